using MathNet.Numerics;

namespace Insiders.Clustering;

/// <summary>
/// Mean silhouette coefficient (Rousseeuw 1987) on a seeded random sample, with MathNet distances.
/// ML.NET has none. O(n²) in the sample size, so the sample is capped.
/// </summary>
public static class Silhouette
{
    public static double Compute(float[][] points, int[] labels, int k, int sampleSize, int seed)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(labels);
        if (k < 2)
        {
            return 0;
        }

        var indices = Enumerable.Range(0, points.Length).ToArray();
        if (points.Length > sampleSize)
        {
            new Random(seed).Shuffle(indices);
            indices = indices[..sampleSize];
        }

        var n = indices.Length;
        var sample = indices.Select(i => Array.ConvertAll(points[i], x => (double)x)).ToArray();
        var sampleLabels = indices.Select(i => labels[i]).ToArray();
        var sums = new double[k];
        var counts = new int[k];
        double total = 0;
        for (var i = 0; i < n; i++)
        {
            Array.Clear(sums);
            Array.Clear(counts);
            for (var j = 0; j < n; j++)
            {
                if (i == j)
                {
                    continue;
                }

                sums[sampleLabels[j]] += Distance.Euclidean(sample[i], sample[j]);
                counts[sampleLabels[j]]++;
            }

            var own = sampleLabels[i];
            if (counts[own] == 0)
            {
                continue; // a singleton cluster contributes 0 by convention
            }

            var a = sums[own] / counts[own];
            var b = double.MaxValue;
            for (var c = 0; c < k; c++)
            {
                if (c != own && counts[c] > 0)
                {
                    b = Math.Min(b, sums[c] / counts[c]);
                }
            }

            if (b < double.MaxValue)
            {
                total += (b - a) / Math.Max(a, b);
            }
        }

        return n == 0 ? 0 : total / n;
    }
}
