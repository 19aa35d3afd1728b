namespace Insiders.Clustering;

/// <summary>The features a segmentation can cluster on (the columns of <see cref="Features.CustomerFeatures"/>).</summary>
public enum FeatureKind
{
    GrossRevenue,
    ReturnsValue,
    NetRevenue,
    QtyInvoices,
    QtyItems,
    QtyProducts,
    QtyReturns,
    RecencyDays,
    AvgTicket,
    AvgBasketSize,
    AvgRecencyDays,
    Frequency,
    ReturnRate,
}
