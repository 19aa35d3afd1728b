using Insiders.Customers;

namespace Insiders.Segmentation;

[GenerateSerializer, Alias("insiders.feature-shard-state")]
public sealed class FeatureShardState
{
    /// <summary>Latest report per customer id.</summary>
    [Id(0)]
    public Dictionary<string, CustomerReport> Customers { get; set; } = new(StringComparer.Ordinal);
}
