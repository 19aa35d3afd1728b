namespace Insiders.Features;

/// <summary>
/// The clock-independent aggregates of one customer's lines. Features that depend on the clock date
/// (recency, frequency) are derived from it with <see cref="FeaturesAt"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.customer-summary")]
public sealed record CustomerSummary(
    string CustomerId,
    decimal GrossRevenue,
    decimal ReturnsValue,
    int QtyInvoices,
    long QtyItems,
    int QtyProducts,
    long QtyReturns,
    DateOnly? FirstPurchase,
    DateOnly? LastPurchase)
{
    /// <summary>A customer with only returns has no purchase features and is never clustered.</summary>
    public bool HasPurchases => QtyInvoices > 0;

    /// <summary>Whole calendar days from <paramref name="from"/> to <paramref name="to"/> (never negative).</summary>
    public static int DaysBetween(DateOnly from, DateOnly to) => Math.Max(0, to.DayNumber - from.DayNumber);

    /// <summary>The feature row at clock date <paramref name="asOf"/>.</summary>
    /// <exception cref="InvalidOperationException">The customer has no purchases.</exception>
    public CustomerFeatures FeaturesAt(DateOnly asOf)
    {
        if (!HasPurchases || FirstPurchase is not { } first || LastPurchase is not { } last)
        {
            throw new InvalidOperationException($"Customer {CustomerId} has no purchases, so no features.");
        }

        var invoices = (double)QtyInvoices;
        var gross = (double)GrossRevenue;
        return new CustomerFeatures(
            CustomerId,
            GrossRevenue,
            ReturnsValue,
            GrossRevenue - ReturnsValue,
            QtyInvoices,
            QtyItems,
            QtyProducts,
            QtyReturns,
            DaysBetween(last, asOf),
            gross / invoices,
            QtyItems / invoices,
            QtyInvoices < 2 ? null : DaysBetween(first, last) / (invoices - 1),
            invoices / (DaysBetween(first, asOf) + 1),
            QtyItems == 0 ? 0 : (double)QtyReturns / QtyItems);
    }
}
