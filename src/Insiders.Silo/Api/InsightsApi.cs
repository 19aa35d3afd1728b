using System.Globalization;
using Insiders.Clustering;
using Insiders.Features;
using Insiders.Segmentation;
using Insiders.Silo.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Insiders.Silo.Api;

/// <summary>
/// <c>GET /api/insights</c>: how many Insiders, their share of revenue, their characteristics against everyone, what it
/// takes to enter and to leave, and their revenue by month — computed from the live customer histories.
/// </summary>
internal static class InsightsApi
{
    private const int Months = 6;

    private static readonly (string Name, Func<CustomerFeatures, double> Value)[] Features =
    [
        ("gross_revenue", f => (double)f.GrossRevenue),
        ("net_revenue", f => (double)f.NetRevenue),
        ("qty_invoices", f => f.QtyInvoices),
        ("qty_products", f => f.QtyProducts),
        ("recency_days", f => f.RecencyDays),
        ("frequency", f => f.Frequency),
        ("avg_ticket", f => f.AvgTicket),
        ("avg_basket_size", f => f.AvgBasketSize),
        ("return_rate", f => f.ReturnRate),
    ];

    public static RouteGroupBuilder MapInsightsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/insights", GetAsync)
            .WithName("GetInsights")
            .WithTags("Insights")
            .WithSummary("How many Insiders, their share of revenue, characteristics vs everyone, what it takes to enter/leave, revenue by month");
        return api;
    }

    private static async Task<Ok<InsightsDto>> GetAsync(CustomerDirectory directory, ModelCache models, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var snapshot = await directory.GetAsync(cancellationToken);
        var model = models.Current?.Version == snapshot.ModelVersion
            ? models.Current
            : await grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).GetModel();
        return TypedResults.Ok(Compute(snapshot, model));
    }

    internal static InsightsDto Compute(DirectorySnapshot snapshot, SegmentModel? model)
    {
        var all = snapshot.Rows;
        var insiders = all.Where(r => r.IsInsider).ToList();
        var others = all.Where(r => !r.IsInsider).ToList();
        var revenue = all.Sum(r => r.Features.GrossRevenue);
        var insidersRevenue = insiders.Sum(r => r.Features.GrossRevenue);

        var characteristics = Features.Select(f =>
        {
            var inValues = insiders.Select(r => f.Value(r.Features)).ToArray();
            var allValues = all.Select(r => f.Value(r.Features)).ToArray();
            var inMean = Mean(inValues);
            var allMean = Mean(allValues);
            return new CharacteristicDto(f.Name, inMean, Quantile(inValues, 0.5), allMean, Quantile(allValues, 0.5), allMean == 0 ? 0 : inMean / allMean);
        }).ToList();

        var observed = Features.Where(f => f.Name is "gross_revenue" or "qty_invoices" or "recency_days" or "frequency").Select(f =>
        {
            var inValues = insiders.Select(r => f.Value(r.Features)).ToArray();
            return new ThresholdDto(f.Name, Quantile(inValues, 0.1), Quantile(inValues, 0.5), Quantile(inValues, 0.9),
                Quantile(others.Select(r => f.Value(r.Features)).ToArray(), 0.9));
        }).ToList();

        var margin = model?.HysteresisMargin ?? 0;
        var c = CultureInfo.InvariantCulture;
        var entry = new EntryRuleDto(
            model?.InsiderRule ?? "no model yet",
            margin,
            model is null
                ? "No model has been trained yet."
                : $"Each customer belongs to the nearest segment centre (recency, frequency and gross revenue, log-scaled and standardised). " +
                  $"To enter, the nearest Insider centre must be closer than every other centre by more than {Percent(margin)}; " +
                  $"to leave, another centre must be closer than every Insider centre by more than {Percent(margin)}. " +
                  "Recency grows every day without purchases, so Insiders who stop buying drift out.",
            model is null
                ? []
                : model.Segments.Where(s => s.IsInsider).OrderByDescending(s => s.Profile.MeanGrossRevenue)
                    .Select(s => new SegmentCentreDto(s.Id, s.Profile.Customers, ModelViews.Centre(model, s.Centroid))).ToList(),
            observed);

        return new InsightsDto(
            snapshot.ModelVersion,
            snapshot.AsOf,
            all.Count,
            insiders.Count,
            all.Count == 0 ? 0 : (double)insiders.Count / all.Count,
            revenue,
            insidersRevenue,
            revenue == 0 ? 0 : (double)(insidersRevenue / revenue),
            characteristics,
            entry,
            RevenueByMonth(snapshot.AsOf, all));
    }

    // Gross purchase revenue per calendar month, for the last months up to the clock date: today's Insiders and everyone.
    private static List<MonthRevenueDto> RevenueByMonth(DateOnly asOf, IReadOnlyList<DirectoryRow> rows)
    {
        var months = new List<MonthRevenueDto>(Months);
        var first = new DateOnly(asOf.Year, asOf.Month, 1).AddMonths(-(Months - 1));
        var insiders = new decimal[Months];
        var everyone = new decimal[Months];
        foreach (var row in rows)
        {
            foreach (var day in row.History.Days)
            {
                var date = DateOnly.FromDayNumber(day.Day);
                var i = ((date.Year - first.Year) * 12) + date.Month - first.Month;
                if (i is < 0 or >= Months || date > asOf)
                {
                    continue;
                }

                everyone[i] += day.GrossRevenue;
                if (row.IsInsider)
                {
                    insiders[i] += day.GrossRevenue;
                }
            }
        }

        for (var i = 0; i < Months; i++)
        {
            var month = first.AddMonths(i);
            months.Add(new MonthRevenueDto(month.ToString("yyyy-MM", CultureInfo.InvariantCulture), insiders[i], everyone[i],
                everyone[i] == 0 ? 0 : (double)(insiders[i] / everyone[i])));
        }

        return months;
    }

    private static double Mean(double[] values) => values.Length == 0 ? 0 : values.Average();

    private static double Quantile(double[] values, double q)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((pos - lo) * (sorted[hi] - sorted[lo]));
    }

    private static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";
}
