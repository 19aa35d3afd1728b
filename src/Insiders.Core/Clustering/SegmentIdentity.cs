namespace Insiders.Clustering;

/// <summary>
/// Keeps segment ids stable across retrains: each new centre takes the id of the closest previous centre
/// (compared in the new space, after mapping the old centres through both transforms) when it is within the match
/// distance, closest pairs first, each old id used once. Unmatched centres get fresh ids.
/// </summary>
public static class SegmentIdentity
{
    public static int[] Assign(SegmentModel? previous, FeatureSpace space, float[][] centroids, double matchDistance)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(centroids);
        var ids = new int[centroids.Length];
        Array.Fill(ids, -1);
        var nextId = 1;
        if (previous is not null)
        {
            nextId = previous.Segments.Max(s => s.Id) + 1;
            if (previous.Space.IsCompatibleWith(space))
            {
                var old = previous.Segments.Select(s => space.Rescale(previous.Space.Unscale(s.Centroid))).ToArray();
                var pairs = new List<(double D, int New, int Old)>();
                for (var n = 0; n < centroids.Length; n++)
                {
                    for (var o = 0; o < old.Length; o++)
                    {
                        pairs.Add((Math.Sqrt(KMeansFitter.SquaredDistance(centroids[n], old[o])), n, o));
                    }
                }

                var usedOld = new bool[old.Length];
                foreach (var (d, n, o) in pairs.OrderBy(p => p.D))
                {
                    if (d > matchDistance)
                    {
                        break;
                    }

                    if (ids[n] < 0 && !usedOld[o])
                    {
                        ids[n] = previous.Segments[o].Id;
                        usedOld[o] = true;
                    }
                }
            }
        }

        for (var n = 0; n < ids.Length; n++)
        {
            if (ids[n] < 0)
            {
                ids[n] = nextId++;
            }
        }

        return ids;
    }
}
