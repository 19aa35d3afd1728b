using Insiders.Clustering;

namespace Insiders.Core.Tests.Clustering;

public sealed class SilhouetteTests
{
    // Rousseeuw's definition, written out directly: s(i) = (b − a) / max(a, b), 0 for a point alone in its cluster.
    private static double BruteForce(float[][] points, int[] labels)
    {
        static double Dist(float[] p, float[] q)
        {
            double sum = 0;
            for (var d = 0; d < p.Length; d++)
            {
                sum += ((double)p[d] - q[d]) * ((double)p[d] - q[d]);
            }

            return Math.Sqrt(sum);
        }

        double total = 0;
        for (var i = 0; i < points.Length; i++)
        {
            var own = Enumerable.Range(0, points.Length).Where(j => j != i && labels[j] == labels[i]).ToList();
            if (own.Count == 0)
            {
                continue;
            }

            var a = own.Average(j => Dist(points[i], points[j]));
            var b = labels.Distinct().Where(c => c != labels[i])
                .Min(c => Enumerable.Range(0, points.Length).Where(j => labels[j] == c).Average(j => Dist(points[i], points[j])));
            total += (b - a) / Math.Max(a, b);
        }

        return total / points.Length;
    }

    [Fact]
    public void Compute_TwoPairsOnALine_HandValue()
    {
        float[][] points = [[0, 0], [1, 0], [10, 0], [11, 0]];
        int[] labels = [0, 0, 1, 1];
        // Ends: a = 1, b = 10.5; middles: a = 1, b = 9.5.
        var expected = ((9.5 / 10.5) + (8.5 / 9.5)) / 2;

        Assert.Equal(expected, Silhouette.Compute(points, labels, 2, 100, 1), 1e-9);
    }

    [Fact]
    public void Compute_SmallExampleWithSingleton_EqualsBruteForce()
    {
        float[][] points =
        [
            [0, 0], [1, 0], [0, 1.5f], [0.5f, 0.5f],
            [6, 6], [7, 5], [6.5f, 7],
            [-4, 8],
            [3, 3], [2, 4.5f],
        ];
        int[] labels = [0, 0, 0, 0, 1, 1, 1, 2, 3, 3];

        var expected = BruteForce(points, labels);

        Assert.Equal(expected, Silhouette.Compute(points, labels, 4, points.Length, 7), 1e-9);
        Assert.Equal(expected, Silhouette.Compute(points, labels, 4, 1_000, 8), 1e-9);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Compute_RandomSmallExamples_EqualsBruteForce(int seed)
    {
        var random = new Random(seed);
        var points = Enumerable.Range(0, 25).Select(_ => new[] { (float)random.NextDouble() * 10, (float)random.NextDouble() * 10 }).ToArray();
        var labels = Enumerable.Range(0, 25).Select(i => i % 3).ToArray();

        Assert.Equal(BruteForce(points, labels), Silhouette.Compute(points, labels, 3, 25, seed), 1e-9);
    }

    [Fact]
    public void Compute_SingleCluster_Zero()
    {
        float[][] points = [[0, 0], [1, 1], [2, 2]];

        Assert.Equal(0, Silhouette.Compute(points, [0, 0, 0], 1, 10, 1));
    }

    [Fact]
    public void Compute_SampleSmallerThanN_StaysInRangeAndIsSeeded()
    {
        var random = new Random(11);
        var points = Enumerable.Range(0, 200).Select(i => new[] { (float)((i % 2 * 20) + random.NextDouble()), (float)random.NextDouble() }).ToArray();
        var labels = Enumerable.Range(0, 200).Select(i => i % 2).ToArray();

        var first = Silhouette.Compute(points, labels, 2, 50, 3);
        var again = Silhouette.Compute(points, labels, 2, 50, 3);

        Assert.Equal(first, again);
        Assert.InRange(first, 0.9, 1.0); // two blobs 20 apart with unit spread
    }
}
