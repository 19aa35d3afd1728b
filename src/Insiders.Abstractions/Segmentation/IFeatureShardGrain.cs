using Orleans.Concurrency;
using Insiders.Clustering;
using Insiders.Customers;
using Insiders.Features;

namespace Insiders.Segmentation;

/// <summary>
/// Holds the latest report of every customer hashed to it, so the coordinator can snapshot all customers
/// (Orleans cannot enumerate grains) without being on the ingestion path.
/// </summary>
[Alias("insiders.feature-shard")]
public interface IFeatureShardGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Keeps the newest report of each customer; returns the activation id (a change means reports were lost). Runs
    /// while the shard's <see cref="Flush"/> is writing (the write takes a copy), so ingestion never waits for a shard's
    /// state write.
    /// </summary>
    [Alias("report"), AlwaysInterleave]
    Task<Guid> Report(Immutable<CustomerReport[]> reports);

    /// <summary>
    /// The feature rows at <paramref name="asOf"/> of the customers held who have a purchase on or before that day (the
    /// coordinator's snapshot: each shard computes its own rows, so the shards do it in parallel and send compact rows).
    /// </summary>
    [Alias("features")]
    Task<Immutable<CustomerFeatures[]>> Features(DateOnly asOf);

    /// <summary>Current status of every customer held (for exports and lists).</summary>
    [Alias("statuses")]
    Task<Immutable<CustomerReport[]>> Reports();

    /// <summary>
    /// Bulk reclassification: the customers whose Insider flag the model flips are asked to reclassify themselves (and
    /// record the entry or exit); a customer whose segment alone changes is relabelled in the shard, keeping its flag,
    /// and its grain reclassifies lazily.
    /// </summary>
    [Alias("sweep")]
    Task<SweepResult> Sweep(SegmentModel model, DateOnly asOf);

    /// <summary>Persists the reports if they changed; returns the activation id.</summary>
    [Alias("flush")]
    Task<Guid> Flush();
}
