namespace Insiders.Clustering;

/// <summary>
/// The classification of one customer against a model, with the evidence: distance to every segment centre
/// (same order as <see cref="SegmentModel.Segments"/>) and whether hysteresis kept the previous status.
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.assignment")]
public sealed record Assignment(int SegmentId, bool IsInsider, double[] Distances, bool HeldByHysteresis);
