namespace Insiders.Segmentation;

/// <summary>What a retrain did and how long each phase took.</summary>
[GenerateSerializer, Immutable, Alias("insiders.retrain-result")]
public sealed record RetrainResult(
    long Version,
    DateOnly AsOf,
    int Customers,
    int K,
    double Silhouette,
    int Insiders,
    SweepResult Sweep,
    TimeSpan Snapshot,
    TimeSpan Fit,
    TimeSpan Reclassify,
    string? Skipped);
