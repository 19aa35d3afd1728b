using Insiders.Features;

namespace Insiders.Clustering;

/// <summary>How one feature enters the clustering space: optional signed log1p, then (x − mean) / std × weight.</summary>
[GenerateSerializer, Immutable, Alias("insiders.feature-scale")]
public sealed record FeatureScale(FeatureKind Feature, bool Log, double Weight, double Mean, double Std)
{
    /// <summary>The raw value of <paramref name="feature"/>; an undefined avg_recency_days counts as 1 / frequency (days from first purchase to the clock date, plus one).</summary>
    /// <remarks><see cref="FeatureKind.ExpectedValue"/> needs the fitted <paramref name="value"/> model.</remarks>
    public static double Raw(CustomerFeatures f, FeatureKind feature, CustomerValueModel? value = null) => feature switch
    {
        FeatureKind.ExpectedValue => (value ?? throw new InvalidOperationException("The expected-value feature needs a fitted value model.")).ExpectedValue(f),
        FeatureKind.GrossRevenue => (double)f.GrossRevenue,
        FeatureKind.ReturnsValue => (double)f.ReturnsValue,
        FeatureKind.NetRevenue => (double)f.NetRevenue,
        FeatureKind.QtyInvoices => f.QtyInvoices,
        FeatureKind.QtyItems => f.QtyItems,
        FeatureKind.QtyProducts => f.QtyProducts,
        FeatureKind.QtyReturns => f.QtyReturns,
        FeatureKind.RecencyDays => f.RecencyDays,
        FeatureKind.AvgTicket => f.AvgTicket,
        FeatureKind.AvgBasketSize => f.AvgBasketSize,
        FeatureKind.AvgRecencyDays => f.AvgRecencyDays ?? 1 / f.Frequency,
        FeatureKind.Frequency => f.Frequency,
        FeatureKind.ReturnRate => f.ReturnRate,
        _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, "unknown feature"),
    };

    /// <summary>Signed log1p: log(1 + |x|) with the sign of x.</summary>
    public static double SignedLog1P(double x) => x >= 0 ? Math.Log(1 + x) : -Math.Log(1 - x);

    public double Prepared(CustomerFeatures f, CustomerValueModel? value = null)
    {
        var raw = Raw(f, Feature, value);
        return Log ? SignedLog1P(raw) : raw;
    }

    public float Scale(CustomerFeatures f, CustomerValueModel? value = null) => (float)((Prepared(f, value) - Mean) / Std * Weight);
}
