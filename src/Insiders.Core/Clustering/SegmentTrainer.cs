using Insiders.Features;

namespace Insiders.Clustering;

/// <summary>
/// Fits a <see cref="SegmentModel"/> from customer histories: features at the clock date, transform and scale,
/// k-means for each K in the configured range (several seeds each), K by silhouette, Insiders from the clusters,
/// profiles, and segment ids carried over from the previous model where centres barely moved.
/// </summary>
public sealed class SegmentTrainer(SegmentationOptions options)
{
    private readonly SegmentationOptions _options = Validated(options);

    public SegmentModel Train(IReadOnlyCollection<CustomerHistory> histories, DateOnly asOf, long version, DateTimeOffset trainedAt, SegmentModel? previous = null)
    {
        ArgumentNullException.ThrowIfNull(histories);
        return TrainSorted(FeatureRows(histories, asOf), asOf, version, trainedAt, previous);
    }

    /// <summary>
    /// As <see cref="Train(IReadOnlyCollection{CustomerHistory}, DateOnly, long, DateTimeOffset, SegmentModel?)"/>, from
    /// the feature rows at <paramref name="asOf"/> of the customers with purchases (in any order: they are sorted by
    /// customer id first, so the model does not depend on the order they arrived in).
    /// </summary>
    public SegmentModel Train(IReadOnlyList<CustomerFeatures> features, DateOnly asOf, long version, DateTimeOffset trainedAt, SegmentModel? previous = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        return TrainSorted(SortedById(features), asOf, version, trainedAt, previous);
    }

    private SegmentModel TrainSorted(List<CustomerFeatures> rows, DateOnly asOf, long version, DateTimeOffset trainedAt, SegmentModel? previous)
    {
        if (rows.Count < _options.MinCustomersToTrain)
        {
            throw new InvalidOperationException(
                $"Cannot train: {rows.Count} customers with purchases up to {asOf:yyyy-MM-dd}, at least {_options.MinCustomersToTrain} (2 × MinCustomersPerCluster) are needed.");
        }

        var fit = Fit(rows);
        var insiders = SelectInsiders(rows, fit);
        var ids = SegmentIdentity.Assign(previous, fit.Space, fit.Centroids, _options.IdentityMatchDistance);
        var profiles = Profiles(rows, fit.Labels, fit.Centroids.Length, insiders, ids);
        var segments = fit.Centroids.Select((c, i) => new SegmentDefinition(ids[i], c, insiders[i], profiles[i])).ToArray();
        return new SegmentModel(
            version,
            trainedAt,
            asOf,
            segments.Length,
            fit.Silhouette,
            fit.SilhouetteByK,
            fit.Space,
            segments,
            rows.Count,
            profiles.Where(p => p.IsInsider).Sum(p => p.Customers),
            InsiderRuleText(_options.InsiderRanking),
            _options.HysteresisMargin,
            null);
    }

    /// <summary>Feature rows at <paramref name="asOf"/> of every customer with a purchase on or before that day, sorted by customer id.</summary>
    public static List<CustomerFeatures> FeatureRows(IEnumerable<CustomerHistory> histories, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(histories);
        var all = histories as IReadOnlyList<CustomerHistory> ?? histories.ToArray();
        var rows = new CustomerFeatures?[all.Count];
        RowRanges.For(all.Count, (start, end) =>
        {
            for (var i = start; i < end; i++)
            {
                rows[i] = all[i].FeaturesAt(asOf);
            }
        });

        return SortedById(rows.OfType<CustomerFeatures>().ToArray());
    }

    // A stable order makes sampling and seeding reproducible whatever order the shards answered in.
    private static List<CustomerFeatures> SortedById(IReadOnlyList<CustomerFeatures> rows)
    {
        var sorted = rows.ToArray();
        var ids = Array.ConvertAll(sorted, r => r.CustomerId);
        Array.Sort(ids, sorted, StringComparer.Ordinal);
        return [.. sorted];
    }

    private sealed record FitResult(FeatureSpace Space, double[]? ExpectedValues, float[][] Centroids, int[] Labels, double Silhouette, Dictionary<int, double> SilhouetteByK);

    private FitResult Fit(List<CustomerFeatures> rows)
    {
        var value = NeedsValueModel(_options)
            ? CustomerValueModel.Fit(rows, _options.ValueHorizonDays, _options.ValueFitSample, _options.Seed)
            : null;
        var population = FeatureSpace.FitAndTransform(rows, _options.Features, value);
        var points = population.Points;
        var sample = Sample(points, _options.FitSample, _options.Seed);
        var (minK, maxK) = _options.ClusterRange(rows.Count);
        maxK = Math.Min(maxK, sample.Length - 1);
        var ks = new List<int>();
        for (var k = minK; k <= maxK; k += _options.ClusterStep)
        {
            ks.Add(k);
        }

        // Every K is fitted and scored independently (own seeds): in parallel, then compared in K order as before.
        var fits = new (KMeansFitter.Result Result, double Score)[ks.Count];
        Parallel.For(0, ks.Count, BackgroundThreads.ForCurrent(), i =>
        {
            var k = ks[i];
            var result = KMeansFitter.Fit(sample, k, _options.Restarts, _options.Seed + (1000 * k));
            fits[i] = (result, Silhouette.Compute(sample, result.Labels, k, _options.SilhouetteSample, _options.Seed));
        });

        var byK = new Dictionary<int, double>();
        KMeansFitter.Result? best = null;
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < ks.Count; i++)
        {
            byK[ks[i]] = fits[i].Score;
            if (fits[i].Score > bestScore)
            {
                bestScore = fits[i].Score;
                best = fits[i].Result;
            }
        }

        best ??= KMeansFitter.Fit(sample, Math.Max(2, Math.Min(minK, sample.Length)), _options.Restarts, _options.Seed);
        var (labels, _) = KMeansFitter.Assign(points, best.Centroids);
        return new FitResult(population.Space, population.ExpectedValues, best.Centroids, labels, double.IsFinite(bestScore) ? bestScore : 0, byK);
    }

    private static float[][] Sample(float[][] points, int max, int seed)
    {
        if (points.Length <= max)
        {
            return points;
        }

        var idx = Enumerable.Range(0, points.Length).ToArray();
        new Random(seed).Shuffle(idx);
        return idx[..max].Select(i => points[i]).ToArray();
    }

    private static bool NeedsValueModel(SegmentationOptions o) =>
        o.InsiderRanking == InsiderRanking.ValueAndRevenueRank || o.Features.Any(f => f.Feature == FeatureKind.ExpectedValue);

    private static string InsiderRuleText(InsiderRanking ranking) => ranking switch
    {
        InsiderRanking.MeanGrossRevenue => "clusters by mean gross revenue, greedily, each taken while it fits within the Insider share",
        _ => "clusters by the mean of √(percentile of gross revenue × percentile of expected value), greedily, each taken while it fits within the Insider share",
    };

    /// <summary>Each customer's score for <see cref="InsiderRanking.ValueAndRevenueRank"/>: √(pct(gross) × pct(expected value)).</summary>
    public static double[] ValueAndRevenueRankScores(IReadOnlyList<double> gross, IReadOnlyList<double> expectedValue)
    {
        ArgumentNullException.ThrowIfNull(gross);
        ArgumentNullException.ThrowIfNull(expectedValue);
        var pg = PercentileRanks(gross);
        var pv = PercentileRanks(expectedValue);
        var s = new double[pg.Length];
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = Math.Sqrt(pg[i] * pv[i]);
        }

        return s;
    }

    /// <summary>Mid-rank percentiles in (0, 1]: ties share the mean of their ranks, the largest value gets ~1.</summary>
    public static double[] PercentileRanks(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        var order = Enumerable.Range(0, n).ToArray();
        // Ties share their mid-rank, so the (unstable) order among equal values does not matter.
        Array.Sort(values.ToArray(), order);
        var ranks = new double[n];
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j + 1 < n && values[order[j + 1]].CompareTo(values[order[i]]) == 0)
            {
                j++;
            }

            var mid = ((i + j) / 2.0) + 1;
            for (var t = i; t <= j; t++)
            {
                ranks[order[t]] = mid / n;
            }

            i = j + 1;
        }

        return ranks;
    }

    // Clusters ranked by the configured per-customer score averaged over the cluster; each is added when it still fits
    // within the Insider share (smaller clusters further down may fill the room a big one could not take).
    private bool[] SelectInsiders(List<CustomerFeatures> rows, FitResult fit)
    {
        var k = fit.Centroids.Length;
        var counts = new int[k];
        var score = new double[k];
        var perCustomer = _options.InsiderRanking switch
        {
            InsiderRanking.MeanGrossRevenue => rows.Select(r => (double)r.GrossRevenue).ToArray(),
            _ => ValueAndRevenueRankScores(rows.Select(r => (double)r.GrossRevenue).ToArray(), fit.ExpectedValues!),
        };
        for (var i = 0; i < rows.Count; i++)
        {
            counts[fit.Labels[i]]++;
            score[fit.Labels[i]] += perCustomer[i];
        }

        var insiders = new bool[k];
        var limit = _options.MaxInsiderShare * rows.Count;
        var taken = 0;
        foreach (var c in Enumerable.Range(0, k).Where(c => counts[c] > 0).OrderByDescending(c => score[c] / counts[c]).ThenBy(c => c))
        {
            if (taken + counts[c] > limit)
            {
                continue;
            }

            insiders[c] = true;
            taken += counts[c];
        }

        return insiders;
    }

    private static SegmentProfile[] Profiles(List<CustomerFeatures> rows, int[] labels, int k, bool[] insiders, int[] ids)
    {
        var members = new List<CustomerFeatures>[k];
        for (var c = 0; c < k; c++)
        {
            members[c] = [];
        }

        for (var i = 0; i < rows.Count; i++)
        {
            members[labels[i]].Add(rows[i]);
        }

        var totalRevenue = rows.Sum(r => (double)r.GrossRevenue);
        return members.Select((m, c) => Profile(ids[c], insiders[c], m, rows.Count, totalRevenue)).ToArray();
    }

    public static SegmentProfile Profile(int id, bool insider, IReadOnlyList<CustomerFeatures> m, int total, double totalRevenue)
    {
        double Mean(Func<CustomerFeatures, double> f) => m.Count == 0 ? 0 : m.Average(f);
        var revenue = m.Sum(r => (double)r.GrossRevenue);
        return new SegmentProfile(
            id,
            insider,
            m.Count,
            total == 0 ? 0 : (double)m.Count / total,
            totalRevenue <= 0 ? 0 : revenue / totalRevenue,
            Mean(r => (double)r.GrossRevenue),
            Mean(r => (double)r.NetRevenue),
            Mean(r => r.RecencyDays),
            Mean(r => r.Frequency),
            Mean(r => r.QtyInvoices),
            Mean(r => r.QtyProducts),
            Mean(r => (double)r.ReturnsValue),
            Mean(r => r.ReturnRate),
            Mean(r => r.AvgTicket));
    }

    private static SegmentationOptions Validated(SegmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }
}
