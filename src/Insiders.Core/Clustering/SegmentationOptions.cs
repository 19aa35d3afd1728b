namespace Insiders.Clustering;

/// <summary>How the coordinator fits segments. Bound from configuration section <c>Insiders:Segmentation</c>.</summary>
public sealed class SegmentationOptions
{
    public const string Section = "Insiders:Segmentation";

    /// <summary>Smallest number of clusters tried.</summary>
    public int MinClusters { get; set; } = 96;

    /// <summary>Largest number of clusters tried; K is the one with the best silhouette.</summary>
    public int MaxClusters { get; set; } = 128;

    /// <summary>Step between the K values tried.</summary>
    public int ClusterStep { get; set; } = 16;

    /// <summary>
    /// Fewest customers per cluster on average: a population smaller than <see cref="MaxClusters"/> × this tries
    /// K only up to customers / this (and from no more than that), so a young deployment still trains.
    /// </summary>
    public int MinCustomersPerCluster { get; set; } = 10;

    /// <summary>k-means restarts (different seeds) per K; the lowest inertia wins.</summary>
    public int Restarts { get; set; } = 3;

    /// <summary>Base seed: the same data and seed give the same model.</summary>
    public int Seed { get; set; } = 7;

    /// <summary>Customers sampled for the silhouette (O(n²)).</summary>
    public int SilhouetteSample { get; set; } = 2_000;

    /// <summary>Customers sampled to fit k-means when there are more (the model then classifies everyone).</summary>
    public int FitSample { get; set; } = 10_000;

    /// <summary>The Insiders are at most this share of clustered customers.</summary>
    public double MaxInsiderShare { get; set; } = 0.15;

    /// <summary>Relative distance margin a customer must cross to enter or leave the Insiders (anti-flapping).</summary>
    public double HysteresisMargin { get; set; } = 0.10;

    /// <summary>A new centre within this distance (in standardised units) of a previous one keeps its segment id.</summary>
    public double IdentityMatchDistance { get; set; } = 0.75;

    /// <summary>How the clusters that form the Insiders are ranked (then taken greedily within <see cref="MaxInsiderShare"/>).</summary>
    public InsiderRanking InsiderRanking { get; set; } = InsiderRanking.ValueAndRevenueRank;

    /// <summary>Horizon, in days, of the expected future value (<see cref="CustomerValueModel"/>): a quarter by default.</summary>
    public double ValueHorizonDays { get; set; } = 90;

    /// <summary>Customers sampled to fit the value model's parameters when there are more (it then scores everyone).</summary>
    public int ValueFitSample { get; set; } = 20_000;

    /// <summary>The clustering features and their transforms.</summary>
    /// <remarks>
    /// Default: log1p + standardised expected value (BG/NBD × Gamma-Gamma over <see cref="ValueHorizonDays"/>), gross
    /// revenue, recency and invoices, with expected value weighted most, so the fine-grained clusters are bands of
    /// expected future revenue split by past revenue and activity (see docs/backtest.md).
    /// </remarks>
    public List<FeatureSpec> Features { get; set; } =
    [
        new(FeatureKind.ExpectedValue, Weight: 3.0),
        new(FeatureKind.GrossRevenue, Weight: 1.0),
        new(FeatureKind.RecencyDays, Weight: 0.5),
        new(FeatureKind.QtyInvoices, Weight: 0.5),
    ];

    /// <summary>The K values tried for <paramref name="customers"/> customers: the configured range, shrunk for small populations.</summary>
    /// <returns>The smallest and largest K; <c>Max</c> &lt; 2 when there are too few customers to cluster.</returns>
    public (int Min, int Max) ClusterRange(int customers)
    {
        var max = Math.Min(MaxClusters, customers / MinCustomersPerCluster);
        return (Math.Min(MinClusters, max), max);
    }

    /// <summary>Fewest customers with purchases a model can be trained on.</summary>
    public int MinCustomersToTrain => 2 * MinCustomersPerCluster;

    /// <summary>Throws with a clear message when a setting is out of range.</summary>
    public void Validate()
    {
        if (MinClusters < 2 || MaxClusters < MinClusters || ClusterStep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinClusters), $"{Section}: need 2 <= MinClusters <= MaxClusters and ClusterStep >= 1 (got {MinClusters}..{MaxClusters} step {ClusterStep}).");
        }

        if (MinCustomersPerCluster < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinCustomersPerCluster), $"{Section}: MinCustomersPerCluster must be >= 1 (got {MinCustomersPerCluster}).");
        }

        if (Restarts < 1 || SilhouetteSample < 10 || FitSample < 100)
        {
            throw new ArgumentOutOfRangeException(nameof(Restarts), $"{Section}: Restarts >= 1, SilhouetteSample >= 10 and FitSample >= 100 are required.");
        }

        if (MaxInsiderShare is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInsiderShare), $"{Section}: MaxInsiderShare must be in (0, 1] (got {MaxInsiderShare}).");
        }

        if (HysteresisMargin is < 0 or > 1 || IdentityMatchDistance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(HysteresisMargin), $"{Section}: HysteresisMargin must be in [0, 1] and IdentityMatchDistance >= 0.");
        }

        if (ValueHorizonDays is <= 0 or > 3650 || ValueFitSample < 100)
        {
            throw new ArgumentOutOfRangeException(nameof(ValueHorizonDays), $"{Section}: ValueHorizonDays must be in (0, 3650] and ValueFitSample >= 100.");
        }

        if (Features.Count == 0 || Features.Any(f => f.Weight <= 0 || !double.IsFinite(f.Weight)))
        {
            throw new ArgumentException($"{Section}: at least one feature, each with a positive finite weight.", nameof(Features));
        }
    }
}

/// <summary>How clusters are ranked to form the Insiders.</summary>
public enum InsiderRanking
{
    /// <summary>By the cluster's mean gross revenue (the data teams' rule).</summary>
    MeanGrossRevenue,

    /// <summary>
    /// By the cluster's mean of √(percentile of gross revenue × percentile of expected value): customers who both spent
    /// and are expected to keep spending; neither past revenue alone (churned big spenders) nor the model alone (noisy
    /// for one-purchase customers) decides.
    /// </summary>
    ValueAndRevenueRank,
}
