using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Insiders.Clustering;

/// <summary>
/// k-means with Microsoft.ML (k-means++ initialisation, one thread, seeded): several restarts, the one with the lowest
/// inertia (sum of squared distances to the nearest centre) wins. ML.NET has no n_init, so the restarts are ours.
/// </summary>
public static class KMeansFitter
{
    public sealed record Result(float[][] Centroids, int[] Labels, double Inertia);

    public static Result Fit(float[][] points, int k, int restarts, int seed)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Length == 0)
        {
            throw new ArgumentException("No points to cluster.", nameof(points));
        }

        if (k < 1 || k > points.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{points.Length} (the number of points).");
        }

        var dims = points[0].Length;
        var schema = SchemaDefinition.Create(typeof(Point));
        schema[nameof(Point.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dims);
        Result? best = null;
        for (var r = 0; r < Math.Max(1, restarts); r++)
        {
            var ml = new MLContext(seed + r);
            var data = ml.Data.LoadFromEnumerable(points.Select(p => new Point { Features = p }), schema);
            var trainer = ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
            {
                FeatureColumnName = nameof(Point.Features),
                NumberOfClusters = k,
                InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
                NumberOfThreads = 1,
                OptimizationTolerance = 1e-6f,
                MaximumNumberOfIterations = 300,
            });
            var model = trainer.Fit(data);
            VBuffer<float>[] buffers = [];
            model.Model.GetClusterCentroids(ref buffers, out var count);
            var centroids = new float[count][];
            for (var c = 0; c < count; c++)
            {
                centroids[c] = buffers[c].DenseValues().ToArray();
            }

            var (labels, inertia) = Assign(points, centroids);
            if (best is null || inertia < best.Inertia)
            {
                best = new Result(centroids, labels, inertia);
            }
        }

        return best!;
    }

    /// <summary>Nearest-centre labels and the inertia.</summary>
    public static (int[] Labels, double Inertia) Assign(float[][] points, float[][] centroids)
    {
        var labels = new int[points.Length];
        double inertia = 0;
        for (var i = 0; i < points.Length; i++)
        {
            var (label, d2) = Nearest(points[i], centroids);
            labels[i] = label;
            inertia += d2;
        }

        return (labels, inertia);
    }

    public static (int Index, double SquaredDistance) Nearest(float[] point, float[][] centroids)
    {
        var best = 0;
        var bestD = double.MaxValue;
        for (var c = 0; c < centroids.Length; c++)
        {
            var d = SquaredDistance(point, centroids[c]);
            if (d < bestD)
            {
                bestD = d;
                best = c;
            }
        }

        return (best, bestD);
    }

    public static double SquaredDistance(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = (double)a[i] - b[i];
            sum += d * d;
        }

        return sum;
    }

    private sealed class Point
    {
        public float[] Features { get; set; } = [];
    }
}
