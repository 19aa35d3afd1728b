using System.Globalization;

namespace Insiders.Features;

/// <summary>The feature export: one row per customer with purchases, invariant culture, the exact header below.</summary>
public static class FeatureCsv
{
    public const string Header =
        "customer_id,gross_revenue,returns_value,net_revenue,qty_invoices,qty_items,qty_products,qty_returns,recency_days,avg_ticket,avg_basket_size,avg_recency_days,frequency,return_rate,segment,is_insider";

    public static void Write(TextWriter writer, IEnumerable<(CustomerFeatures Features, int? Segment, bool IsInsider)> rows)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(rows);
        writer.Write(Header);
        writer.Write('\n');
        var c = CultureInfo.InvariantCulture;
        foreach (var (f, segment, insider) in rows)
        {
            writer.Write(string.Join(',',
                Quote(f.CustomerId),
                f.GrossRevenue.ToString(c),
                f.ReturnsValue.ToString(c),
                f.NetRevenue.ToString(c),
                f.QtyInvoices.ToString(c),
                f.QtyItems.ToString(c),
                f.QtyProducts.ToString(c),
                f.QtyReturns.ToString(c),
                f.RecencyDays.ToString(c),
                f.AvgTicket.ToString("R", c),
                f.AvgBasketSize.ToString("R", c),
                f.AvgRecencyDays?.ToString("R", c) ?? string.Empty,
                f.Frequency.ToString("R", c),
                f.ReturnRate.ToString("R", c),
                segment?.ToString(c) ?? string.Empty,
                insider ? "true" : "false"));
            writer.Write('\n');
        }
    }

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
