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
    [Alias("report")]
    Task Report(Immutable<CustomerReport[]> reports);

    [Alias("snapshot")]
    Task<Immutable<CustomerHistory[]>> Snapshot();

    /// <summary>Current status of every customer held (for exports and lists).</summary>
    [Alias("statuses")]
    Task<Immutable<CustomerReport[]>> Reports();

    /// <summary>Bulk reclassification: the customers whose status the model changes are asked to reclassify themselves.</summary>
    [Alias("sweep")]
    Task<SweepResult> Sweep(SegmentModel model, DateOnly asOf);

    [Alias("flush")]
    Task Flush();
}
