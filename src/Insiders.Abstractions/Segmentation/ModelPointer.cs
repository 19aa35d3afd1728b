namespace Insiders.Segmentation;

/// <summary>The current model version and the clock date the system measures recency against.</summary>
[GenerateSerializer, Immutable, Alias("insiders.model-pointer")]
public sealed record ModelPointer(long Version, DateOnly Clock, DateTime? LatestEvent);
