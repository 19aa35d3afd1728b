using System.Globalization;
using Insiders.Clustering;
using Insiders.Silo.Api.Contracts;

namespace Insiders.Silo.Api;

/// <summary>Maps model types to API shapes: feature names, centres in natural units, the profile table.</summary>
internal static class ModelViews
{
    /// <summary>The export's column name of a feature (e.g. <c>recency_days</c>).</summary>
    public static string Name(FeatureKind kind) => kind switch
    {
        FeatureKind.GrossRevenue => "gross_revenue",
        FeatureKind.ReturnsValue => "returns_value",
        FeatureKind.NetRevenue => "net_revenue",
        FeatureKind.QtyInvoices => "qty_invoices",
        FeatureKind.QtyItems => "qty_items",
        FeatureKind.QtyProducts => "qty_products",
        FeatureKind.QtyReturns => "qty_returns",
        FeatureKind.RecencyDays => "recency_days",
        FeatureKind.AvgTicket => "avg_ticket",
        FeatureKind.AvgBasketSize => "avg_basket_size",
        FeatureKind.AvgRecencyDays => "avg_recency_days",
        FeatureKind.Frequency => "frequency",
        FeatureKind.ReturnRate => "return_rate",
        FeatureKind.ExpectedValue => "expected_value",
        _ => kind.ToString(),
    };

    /// <summary>A centre of <paramref name="model"/>'s space in natural units (the log transform undone).</summary>
    public static IReadOnlyDictionary<string, double> Centre(SegmentModel model, IReadOnlyList<float> centroid)
    {
        var prepared = model.Space.Unscale(centroid);
        var centre = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < prepared.Length; i++)
        {
            var scale = model.Space.Scales[i];
            var y = prepared[i];
            centre[Name(scale.Feature)] = scale.Log ? (y >= 0 ? Math.Exp(y) - 1 : 1 - Math.Exp(-y)) : y;
        }

        return centre;
    }

    public static SegmentDto Segment(SegmentModel model, SegmentDefinition s)
    {
        var p = s.Profile;
        return new SegmentDto(
            s.Id, s.IsInsider, p.Customers, p.ShareOfCustomers, p.ShareOfRevenue, p.MeanGrossRevenue, p.MeanNetRevenue,
            p.MeanRecencyDays, p.MeanFrequency, p.MeanQtyInvoices, p.MeanQtyProducts, p.MeanReturnsValue, p.MeanReturnRate,
            p.MeanAvgTicket, Centre(model, s.Centroid));
    }

    public static SegmentsDto Segments(SegmentModel? model) =>
        model is null
            ? new SegmentsDto(0, null, null, [])
            : new SegmentsDto(model.Version, model.TrainedAt, model.AsOf,
                model.Segments.OrderByDescending(s => s.Profile.MeanGrossRevenue).Select(s => Segment(model, s)).ToList());

    public static ModelCardDto Card(SegmentModel model, DateOnly clock) => new(
        model.Version,
        model.TrainedAt,
        model.AsOf,
        model.K,
        model.Silhouette,
        model.SilhouetteByK.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value),
        model.Customers,
        model.InsiderCustomers,
        model.Segments.Count(s => s.IsInsider),
        model.InsiderRule,
        model.HysteresisMargin,
        model.InternalBacktestCapture,
        model.Space.Scales.Select(s => new FeatureScaleDto(Name(s.Feature), s.Log, s.Weight, s.Mean, s.Std)).ToList(),
        clock);
}
