namespace Insiders.Clustering;

/// <summary>A feature chosen for clustering, with its transform and weight (configuration, before fitting).</summary>
public sealed record FeatureSpec(FeatureKind Feature, bool Log = true, double Weight = 1.0);
