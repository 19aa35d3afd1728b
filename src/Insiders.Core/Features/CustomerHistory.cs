namespace Insiders.Features;

/// <summary>
/// A customer's activity per day, sorted by day. Enough to compute the features as of any clock date
/// (so the coordinator can backtest on the data it holds) and revenue over any window.
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.customer-history")]
public sealed record CustomerHistory(string CustomerId, DayActivity[] Days)
{
    /// <summary>
    /// The features at clock date <paramref name="asOf"/> of the lines up to and including that day; null when there
    /// is no purchase among them (a customer with only returns is never clustered).
    /// </summary>
    public CustomerFeatures? FeaturesAt(DateOnly asOf)
    {
        var summary = SummaryBefore(asOf.AddDays(1));
        return summary.HasPurchases ? summary.FeaturesAt(asOf) : null;
    }

    /// <summary>The aggregates over the days strictly before <paramref name="cut"/> (all days when null).</summary>
    public CustomerSummary SummaryBefore(DateOnly? cut = null)
    {
        var end = cut?.DayNumber ?? int.MaxValue;
        decimal gross = 0, returns = 0;
        long items = 0, returned = 0;
        int invoices = 0, products = 0;
        int? first = null, last = null;
        foreach (var d in Days)
        {
            if (d.Day >= end)
            {
                break;
            }

            gross += d.GrossRevenue;
            returns += d.ReturnsValue;
            items += d.QtyItems;
            returned += d.QtyReturns;
            invoices += d.NewInvoices;
            products += d.NewProducts;
            if (d.NewInvoices > 0)
            {
                first ??= d.Day;
                last = d.Day;
            }
        }

        return new CustomerSummary(
            CustomerId, gross, returns, invoices, items, products, returned,
            first is { } f ? DateOnly.FromDayNumber(f) : null,
            last is { } l ? DateOnly.FromDayNumber(l) : null);
    }

    /// <summary>Purchase revenue on days in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public decimal PurchaseRevenue(DateOnly from, DateOnly to)
    {
        decimal sum = 0;
        foreach (var d in Days)
        {
            if (d.Day >= from.DayNumber && d.Day < to.DayNumber)
            {
                sum += d.GrossRevenue;
            }
        }

        return sum;
    }

    /// <summary>The last day with any activity, or null.</summary>
    public DateOnly? LastActivity => Days.Length == 0 ? null : DateOnly.FromDayNumber(Days[^1].Day);
}
