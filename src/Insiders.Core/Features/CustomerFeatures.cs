namespace Insiders.Features;

/// <summary>The feature row of one customer at a clock date. See README "Feature definitions".</summary>
[GenerateSerializer, Immutable, Alias("insiders.customer-features")]
public sealed record CustomerFeatures(
    string CustomerId,
    decimal GrossRevenue,
    decimal ReturnsValue,
    decimal NetRevenue,
    int QtyInvoices,
    long QtyItems,
    int QtyProducts,
    long QtyReturns,
    int RecencyDays,
    double AvgTicket,
    double AvgBasketSize,
    double? AvgRecencyDays,
    double Frequency,
    double ReturnRate);
