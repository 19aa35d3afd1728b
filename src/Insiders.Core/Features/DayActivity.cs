namespace Insiders.Features;

/// <summary>
/// One customer's activity on one calendar day: the unit from which features at any clock date are derived.
/// </summary>
/// <param name="Day">The calendar day (<see cref="DateOnly.DayNumber"/>).</param>
/// <param name="NewInvoices">Purchase invoices whose first purchase line falls on this day.</param>
/// <param name="NewProducts">Stock codes first purchased on this day.</param>
[GenerateSerializer, Immutable, Alias("insiders.day-activity")]
public readonly record struct DayActivity(
    int Day,
    decimal GrossRevenue,
    long QtyItems,
    int NewInvoices,
    int NewProducts,
    decimal ReturnsValue,
    long QtyReturns);
