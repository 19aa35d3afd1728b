namespace Insiders.Clustering;

/// <summary>One cluster of a model: a stable id, its centre in the model's <see cref="FeatureSpace"/>, whether it is an Insiders segment.</summary>
[GenerateSerializer, Immutable, Alias("insiders.segment-definition")]
public sealed record SegmentDefinition(int Id, float[] Centroid, bool IsInsider, SegmentProfile Profile);
