using Insiders.Clustering;
using Insiders.Features;

namespace Insiders.Core.Tests.Clustering;

/// <summary>
/// The fit's per-row work runs in parallel blocks (retrain at a million customers): it must give exactly what the plain
/// one-row-at-a-time definitions give, whatever the input order and however the threads ran.
/// </summary>
public sealed class ParallelFitTests
{
    private static readonly DateOnly AsOf = new(2011, 12, 31);

    // More rows than one parallel block, so the blocks really run on several threads.
    private const int Many = (RowRanges.BlockSize * 2) + 1_234;

    // n customers with 1..9 invoices of varied value over the year, some returns; deterministic for a seed.
    private static List<CustomerHistory> Population(int n, int seed)
    {
        var random = new Random(seed);
        var histories = new List<CustomerHistory>(n);
        ulong lineId = 0;
        for (var i = 0; i < n; i++)
        {
            var ledger = new CustomerLedger();
            var invoices = 1 + random.Next(9);
            for (var inv = 0; inv < invoices; inv++)
            {
                var date = new DateTime(2011, 1, 1).AddDays(random.Next(365));
                var price = Math.Round(0.5m + (decimal)random.NextDouble() * 40, 2);
                var quantity = 1 + random.Next(12);
                ledger.Apply(++lineId, $"{i}-{inv}", $"P{random.Next(300)}", quantity, date, price);
                if (random.Next(10) == 0)
                {
                    ledger.Apply(++lineId, $"C{i}-{inv}", "P1", -1, date.AddDays(2), price);
                }
            }

            histories.Add(ledger.ToHistory($"c{i:D6}"));
        }

        return histories;
    }

    private static List<CustomerFeatures> RowsOneByOne(IEnumerable<CustomerHistory> histories) =>
        histories.Select(h => h.SummaryBefore(AsOf.AddDays(1))).Where(s => s.HasPurchases).Select(s => s.FeaturesAt(AsOf))
            .OrderBy(r => r.CustomerId, StringComparer.Ordinal).ToList();

    [Fact]
    public void RowRanges_For_VisitsEveryRowOnceInBlocksAlignedToTheBlockSize()
    {
        var visits = new int[Many];
        var misaligned = 0;
        RowRanges.For(Many, (start, end) =>
        {
            if (start % RowRanges.BlockSize != 0)
            {
                Interlocked.Increment(ref misaligned);
            }

            for (var i = start; i < end; i++)
            {
                Interlocked.Increment(ref visits[i]);
            }
        });

        Assert.All(visits, v => Assert.Equal(1, v));
        Assert.Equal(0, misaligned);
    }

    [Fact]
    public void RowRanges_Sum_AddsBlockSumsInBlockOrder()
    {
        var values = Enumerable.Range(0, Many).Select(i => 1.0 / (i + 1)).ToArray();
        // The definition: each block summed left to right, then the block sums left to right.
        var expected = 0.0;
        for (var s = 0; s < Many; s += RowRanges.BlockSize)
        {
            var block = 0.0;
            for (var i = s; i < Math.Min(Many, s + RowRanges.BlockSize); i++)
            {
                block += values[i];
            }

            expected += block;
        }

        for (var run = 0; run < 5; run++)
        {
            var sum = RowRanges.Sum(Many, (start, end) =>
            {
                var block = 0.0;
                for (var i = start; i < end; i++)
                {
                    block += values[i];
                }

                return block;
            });
            Assert.Equal(expected, sum); // bit for bit, every run
        }
    }

    [Fact]
    public void FeatureRows_EqualTheSummaryOfEachHistorySortedById()
    {
        var histories = Population(Many, 1);
        var shuffled = histories.ToArray();
        new Random(5).Shuffle(shuffled);

        var rows = SegmentTrainer.FeatureRows(shuffled, AsOf);

        Assert.Equal(RowsOneByOne(histories), rows);
    }

    [Fact]
    public void FitAndTransform_EqualsFitThenTransformOfEachRow()
    {
        var rows = RowsOneByOne(Population(Many, 2));
        var options = new SegmentationOptions();
        var value = CustomerValueModel.Fit(rows, options.ValueHorizonDays, options.ValueFitSample, options.Seed);

        var population = FeatureSpace.FitAndTransform(rows, options.Features, value);

        var space = FeatureSpace.Fit(rows, options.Features, value);
        Assert.Equal(space.Scales, population.Space.Scales);
        Assert.Same(value, population.Space.Value);
        Assert.Equal(rows.Count, population.Points.Length);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(space.Transform(rows[i]), population.Points[i]);
            Assert.Equal(value.ExpectedValue(rows[i]), population.ExpectedValues![i]);
        }
    }

    [Fact]
    public void FitAndTransform_GrossRevenue_IsTheStandardisedLog1P()
    {
        var rows = RowsOneByOne(Population(Many, 3));
        var logs = rows.Select(r => Math.Log(1 + (double)r.GrossRevenue)).ToArray();
        var mean = logs.Average();
        var std = Math.Sqrt(logs.Sum(x => (x - mean) * (x - mean)) / (logs.Length - 1)); // sample standard deviation

        var population = FeatureSpace.FitAndTransform(rows, [new FeatureSpec(FeatureKind.GrossRevenue, Weight: 2)]);

        Assert.Null(population.ExpectedValues);
        Assert.Equal(mean, population.Space.Scales[0].Mean, 1e-9);
        Assert.Equal(std, population.Space.Scales[0].Std, 1e-9);
        for (var i = 0; i < rows.Count; i += 97)
        {
            Assert.Equal((logs[i] - mean) / std * 2, population.Points[i][0], 1e-4);
        }
    }

    [Fact]
    public void FitAndTransform_ExpectedValueWithoutAValueModel_Throws()
    {
        var rows = RowsOneByOne(Population(10, 4));

        var e = Assert.Throws<InvalidOperationException>(() => FeatureSpace.FitAndTransform(rows, [new FeatureSpec(FeatureKind.ExpectedValue)]));
        Assert.Contains("value model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_ManyPoints_NearestCentreByBruteForce()
    {
        var random = new Random(6);
        var points = Enumerable.Range(0, Many).Select(_ => new[] { (float)random.NextDouble() * 10, (float)random.NextDouble() * 10 }).ToArray();
        float[][] centres = [[1, 1], [9, 1], [5, 5], [1, 9], [9, 9]];

        var (labels, inertia) = KMeansFitter.Assign(points, centres);

        var expectedInertia = 0.0;
        for (var i = 0; i < points.Length; i++)
        {
            var d = centres.Select(c => Math.Pow((double)points[i][0] - c[0], 2) + Math.Pow((double)points[i][1] - c[1], 2)).ToArray();
            var nearest = Array.IndexOf(d, d.Min());
            Assert.Equal(nearest, labels[i]);
            expectedInertia += d[nearest];
        }

        Assert.Equal(expectedInertia, inertia, expectedInertia * 1e-12);
    }

    [Fact]
    public void Train_FeatureRowsInAnyOrder_SameModelAsFromHistories()
    {
        var histories = Population(3_000, 7);
        var options = new SegmentationOptions { MinClusters = 8, MaxClusters = 24, ClusterStep = 8 };
        var fromHistories = new SegmentTrainer(options).Train(histories, AsOf, 1, DateTimeOffset.UnixEpoch);
        var rows = RowsOneByOne(histories).ToArray();
        new Random(8).Shuffle(rows);

        var fromRows = new SegmentTrainer(options).Train(rows, AsOf, 1, DateTimeOffset.UnixEpoch);

        Assert.Equal(fromHistories.K, fromRows.K);
        Assert.Equal(fromHistories.Silhouette, fromRows.Silhouette);
        Assert.Equal(fromHistories.SilhouetteByK, fromRows.SilhouetteByK);
        Assert.Equal(fromHistories.Space.Scales, fromRows.Space.Scales);
        Assert.Equal(fromHistories.Space.Value, fromRows.Space.Value);
        Assert.Equal(
            fromHistories.Segments.Select(s => (s.Id, s.IsInsider, s.Profile, Centroid: string.Join(',', s.Centroid))),
            fromRows.Segments.Select(s => (s.Id, s.IsInsider, s.Profile, Centroid: string.Join(',', s.Centroid))));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Train_OnBackgroundThreads_SameModelAsOnTheThreadPool_ItsLoopsStayOnThoseThreads(int threads)
    {
        // More rows than two blocks (the row loops run in parallel) and three K with three restarts each: loops inside loops.
        var histories = Population(Many, 11);
        var options = new SegmentationOptions { MinClusters = 8, MaxClusters = 24, ClusterStep = 8, Restarts = 3 };
        var onPool = new SegmentTrainer(options).Train(histories, AsOf, 1, DateTimeOffset.UnixEpoch);

        using var background = new BackgroundThreads(threads, "fit test");
        var names = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var onBackground = await background.RunAsync(() =>
        {
            // What the fit's loops are given on these threads: these threads, and a loop run with them stays on them.
            Parallel.For(0, 64, BackgroundThreads.ForCurrent(), _ => names.AddOrUpdate(Thread.CurrentThread.Name ?? "(pool)", 1, (_, n) => n + 1));
            return new SegmentTrainer(options).Train(histories, AsOf, 1, DateTimeOffset.UnixEpoch);
        }).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken); // only against a hang (a loop waiting for itself)

        Assert.All(names.Keys, name => Assert.StartsWith("fit test ", name, StringComparison.Ordinal));
        Assert.Equal(onPool.K, onBackground.K);
        Assert.Equal(onPool.SilhouetteByK, onBackground.SilhouetteByK);
        Assert.Equal(
            onPool.Segments.Select(s => (s.Id, s.IsInsider, Centroid: string.Join(',', s.Centroid))),
            onBackground.Segments.Select(s => (s.Id, s.IsInsider, Centroid: string.Join(',', s.Centroid))));
        Assert.Equal(TaskScheduler.Default, BackgroundThreads.ForCurrent().TaskScheduler); // the test's own thread: the pool
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BackgroundThreads_OnLinux_RunBelowNormalPriority_UnlessAskedNotTo(bool lowerPriority)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the nice value is read from /proc");
        var callers = NiceOfCurrentThread();
        using var background = new BackgroundThreads(1, "nice test", lowerPriority);
        var nice = await background.RunAsync(NiceOfCurrentThread).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

        Assert.Equal(lowerPriority, background.Lowered);
        Assert.Equal(lowerPriority ? BackgroundThreads.Nice : callers, nice);
    }

    // /proc/thread-self/stat: "tid (comm) state ..."; after the comm, field 19 of the whole line is the nice value.
    internal static int NiceOfCurrentThread()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
