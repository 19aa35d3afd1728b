namespace Insiders.Clustering;

/// <summary>
/// The features a segmentation can cluster on: the columns of <see cref="Features.CustomerFeatures"/>, and the expected
/// future value derived from them by the model's <see cref="CustomerValueModel"/>.
/// </summary>
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

    /// <summary>Expected purchase revenue over the value model's horizon (see <see cref="CustomerValueModel"/>).</summary>
    ExpectedValue,
}
