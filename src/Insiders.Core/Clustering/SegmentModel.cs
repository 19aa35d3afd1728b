using Insiders.Features;

namespace Insiders.Clustering;

/// <summary>
/// A versioned, immutable segmentation: the feature transform, the segment centres, which segments are the Insiders,
/// and the profile table. Grains classify against it without ML.NET (nearest centre).
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.segment-model")]
public sealed record SegmentModel(
    long Version,
    DateTimeOffset TrainedAt,
    DateOnly AsOf,
    int K,
    double Silhouette,
    IReadOnlyDictionary<int, double> SilhouetteByK,
    FeatureSpace Space,
    IReadOnlyList<SegmentDefinition> Segments,
    int Customers,
    int InsiderCustomers,
    string InsiderRule,
    double HysteresisMargin,
    double? InternalBacktestCapture)
{
    public SegmentDefinition Segment(int id) => Segments.First(s => s.Id == id);

    /// <summary>
    /// Nearest-centre classification with hysteresis. A customer who was an Insider stays one unless a non-Insider
    /// centre is closer by more than the margin; one who was not enters only when an Insider centre is closer by more
    /// than the margin. <paramref name="wasInsider"/> null (never classified) means plain nearest centre.
    /// </summary>
    public Assignment Classify(CustomerFeatures features, bool? wasInsider) => Classify(features, wasInsider, withDistances: true);

    /// <summary>
    /// As <see cref="Classify(CustomerFeatures, bool?)"/>; without <paramref name="withDistances"/> the assignment's
    /// <see cref="Assignment.Distances"/> is empty and no per-segment array is allocated (the per-event path, which
    /// only needs the segment and the flag).
    /// </summary>
    public Assignment Classify(CustomerFeatures features, bool? wasInsider, bool withDistances)
    {
        ArgumentNullException.ThrowIfNull(features);
        var x = Space.Transform(features);
        var distances = withDistances ? new double[Segments.Count] : [];
        int nearest = 0, nearestInsider = -1, nearestOther = -1;
        double dNearest = double.NaN, dIn = double.NaN, dOut = double.NaN;
        for (var i = 0; i < Segments.Count; i++)
        {
            var d = Math.Sqrt(KMeansFitter.SquaredDistance(x, Segments[i].Centroid));
            if (withDistances)
            {
                distances[i] = d;
            }

            if (i == 0 || d < dNearest)
            {
                nearest = i;
                dNearest = d;
            }

            if (Segments[i].IsInsider)
            {
                if (nearestInsider < 0 || d < dIn)
                {
                    nearestInsider = i;
                    dIn = d;
                }
            }
            else if (nearestOther < 0 || d < dOut)
            {
                nearestOther = i;
                dOut = d;
            }
        }

        if (nearestInsider < 0 || nearestOther < 0 || wasInsider is null)
        {
            return new Assignment(Segments[nearest].Id, Segments[nearest].IsInsider, distances, false);
        }

        var insider = wasInsider.Value
            ? dIn <= dOut * (1 + HysteresisMargin)
            : dIn * (1 + HysteresisMargin) < dOut;
        var chosen = insider ? nearestInsider : nearestOther;
        return new Assignment(Segments[chosen].Id, insider, distances, chosen != nearest);
    }
}
