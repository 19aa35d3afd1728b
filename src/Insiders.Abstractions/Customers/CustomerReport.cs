using Insiders.Features;

namespace Insiders.Customers;

/// <summary>
/// What a customer tells its shard: its day history and its current classification. <see cref="Activation"/>
/// identifies the grain activation that produced it: when it changes between two calls, the activation in between was
/// lost (its silo died) along with any state not yet written, and the ingestion pipeline delivers its lines again.
/// <see cref="Lines"/> is the number of distinct lines the customer holds; it only grows, across activations too.
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.customer-report")]
public sealed record CustomerReport(CustomerHistory History, long Revision, long ModelVersion, int? SegmentId, bool? IsInsider, int NewLines, Guid Activation, int Lines)
{
    /// <summary>
    /// Whether this report supersedes <paramref name="other"/> (same customer): more lines wins (line sets only grow);
    /// with as many lines, the classification under the newer model (a report remembered from before a retrain's
    /// sweep, delivered again after a silo failure, must not undo the sweep); then the later revision of the same
    /// activation, or the report of another activation (a lost activation's revisions are not comparable with its
    /// successor's).
    /// </summary>
    public bool Supersedes(CustomerReport other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Lines != other.Lines)
        {
            return Lines > other.Lines;
        }

        if (ModelVersion != other.ModelVersion)
        {
            return ModelVersion > other.ModelVersion;
        }

        return Activation != other.Activation || Revision >= other.Revision;
    }
}
