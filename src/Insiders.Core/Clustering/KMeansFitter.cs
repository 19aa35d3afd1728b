using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Insiders.Clustering;

/// <summary>
/// k-means with Microsoft.ML (k-means++ initialisation, one thread per fit, seeded): several restarts, run in parallel,
/// the one with the lowest inertia (sum of squared distances to the nearest centre) wins. ML.NET has no n_init, so the
/// restarts are ours.
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

        // Restarts are independent (each its own seeded context): they run in parallel, and the lowest inertia wins
        // with ties to the earlier restart, as if they had run one after the other.
        var results = new Result[Math.Max(1, restarts)];
        Parallel.For(0, results.Length, BackgroundThreads.ForCurrent(), r => results[r] = FitOnce(points, k, seed + r));
        var best = results[0];
        foreach (var result in results.Skip(1))
        {
            if (result.Inertia < best.Inertia)
            {
                best = result;
            }
        }

        return best;
    }

    private static Result FitOnce(float[][] points, int k, int seed)
    {
        var schema = SchemaDefinition.Create(typeof(Point));
        schema[nameof(Point.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, points[0].Length);
        var ml = new MLContext(seed);
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
        return new Result(centroids, labels, inertia);
    }

    /// <summary>Nearest-centre labels and the inertia (rows in parallel; the same result on any number of cores).</summary>
    public static (int[] Labels, double Inertia) Assign(float[][] points, float[][] centroids)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(centroids);
        var labels = new int[points.Length];
        var inertia = RowRanges.Sum(points.Length, (start, end) =>
        {
            double sum = 0;
            for (var i = start; i < end; i++)
            {
                var (label, d2) = Nearest(points[i], centroids);
                labels[i] = label;
                sum += d2;
            }

            return sum;
        });
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
