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
    public Assignment Classify(CustomerFeatures features, bool? wasInsider)
    {
        ArgumentNullException.ThrowIfNull(features);
        var x = Space.Transform(features);
        var distances = new double[Segments.Count];
        int nearest = 0, nearestInsider = -1, nearestOther = -1;
        for (var i = 0; i < distances.Length; i++)
        {
            distances[i] = Math.Sqrt(KMeansFitter.SquaredDistance(x, Segments[i].Centroid));
            if (distances[i] < distances[nearest])
            {
                nearest = i;
            }

            ref var best = ref Segments[i].IsInsider ? ref nearestInsider : ref nearestOther;
            if (best < 0 || distances[i] < distances[best])
            {
                best = i;
            }
        }

        if (nearestInsider < 0 || nearestOther < 0 || wasInsider is null)
        {
            return new Assignment(Segments[nearest].Id, Segments[nearest].IsInsider, distances, false);
        }

        var dIn = distances[nearestInsider];
        var dOut = distances[nearestOther];
        var insider = wasInsider.Value
            ? dIn <= dOut * (1 + HysteresisMargin)
            : dIn * (1 + HysteresisMargin) < dOut;
        var chosen = insider ? nearestInsider : nearestOther;
        return new Assignment(Segments[chosen].Id, insider, distances, chosen != nearest);
    }
}
