using Insiders.Customers;

namespace Insiders.Segmentation;

/// <summary>
/// A shard's stored manifest (grain state "shard"): which segment slots hold its reports, oldest first. Shards stored
/// before segments existed kept every report here, in <see cref="Customers"/>; such a shard is read from it and
/// rewritten into one segment by its next flush, after which this holds the segment list only.
/// </summary>
[GenerateSerializer, Alias("insiders.feature-shard-state")]
public sealed class FeatureShardState
{
    /// <summary>Latest report per customer id, as stored before segments (empty once the shard has been rewritten).</summary>
    [Id(0)]
    public Dictionary<string, CustomerReport> Customers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Slots of the segments that make up the shard, in the order they were written (a later one wins).</summary>
    [Id(1)]
    public List<int> Segments { get; set; } = [];
}

/// <summary>
/// Reports written by one flush of a shard (grain state "shard-segment-N"): the customers changed since the previous
/// flush, or, when the shard compacts, every customer.
/// </summary>
[GenerateSerializer, Alias("insiders.feature-shard-segment")]
public sealed class FeatureShardSegment
{
    [Id(0)]
    public Dictionary<string, CustomerReport> Customers { get; set; } = new(StringComparer.Ordinal);
}
