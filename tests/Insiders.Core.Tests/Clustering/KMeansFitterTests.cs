using Insiders.Clustering;

namespace Insiders.Core.Tests.Clustering;

public sealed class KMeansFitterTests
{
    private static readonly float[][] Centres = [[0, 0], [10, 10], [-10, 10]];

    private static (float[][] Points, int[] Truth) Blobs(int perBlob, int seed)
    {
        var random = new Random(seed);
        var points = new List<float[]>();
        var truth = new List<int>();
        for (var i = 0; i < perBlob; i++)
        {
            for (var b = 0; b < Centres.Length; b++)
            {
                points.Add([Centres[b][0] + (float)(random.NextDouble() - 0.5), Centres[b][1] + (float)(random.NextDouble() - 0.5)]);
                truth.Add(b);
            }
        }

        return ([.. points], [.. truth]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(42)]
    public void Fit_ThreeSeparatedBlobs_RecoversGroupsUpToPermutation(int seed)
    {
        var (points, truth) = Blobs(20, seed);

        var result = KMeansFitter.Fit(points, 3, 3, seed);

        Assert.Equal(3, result.Centroids.Length);
        Assert.Equal(points.Length, result.Labels.Length);
        // Each true blob maps to one label, and different blobs to different labels.
        var labelOfBlob = Enumerable.Range(0, 3).Select(b => result.Labels.Where((_, i) => truth[i] == b).Distinct().Single()).ToArray();
        Assert.Equal(3, labelOfBlob.Distinct().Count());
        for (var b = 0; b < 3; b++)
        {
            var centroid = result.Centroids[labelOfBlob[b]];
            Assert.InRange(centroid[0], Centres[b][0] - 0.5f, Centres[b][0] + 0.5f);
            Assert.InRange(centroid[1], Centres[b][1] - 0.5f, Centres[b][1] + 0.5f);
        }

        // Noise is within ±0.5 per axis, so each squared distance to its blob mean is below 2 × 1² = 2.
        Assert.InRange(result.Inertia, 0, 2.0 * points.Length);
    }

    [Fact]
    public void Fit_SameSeed_SameResult()
    {
        var (points, _) = Blobs(15, 9);

        var first = KMeansFitter.Fit(points, 3, 2, 5);
        var second = KMeansFitter.Fit(points, 3, 2, 5);

        Assert.Equal(first.Labels, second.Labels);
        Assert.Equal(first.Inertia, second.Inertia);
    }

    [Fact]
    public void Fit_KOutOfRange_Throws()
    {
        float[][] points = [[0], [1]];

        Assert.Throws<ArgumentOutOfRangeException>(() => KMeansFitter.Fit(points, 3, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeansFitter.Fit(points, 0, 1, 1));
        Assert.Throws<ArgumentException>(() => KMeansFitter.Fit([], 1, 1, 1));
    }

    [Fact]
    public void Assign_HandExample_NearestLabelsAndInertia()
    {
        float[][] centroids = [[0, 0], [10, 0]];
        float[][] points = [[1, 0], [9, 1], [4, 3], [6, 0]];

        var (labels, inertia) = KMeansFitter.Assign(points, centroids);

        Assert.Equal([0, 1, 0, 1], labels);
        Assert.Equal(1 + 2 + 25 + 16, inertia, 9);
    }
}
