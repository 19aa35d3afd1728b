namespace Insiders.Backtesting;

/// <summary>
/// How well a set of Insiders chosen at the cut captured the purchase revenue after it, beside the simple baseline of
/// taking the same share of top customers by gross revenue before the cut.
/// </summary>
public sealed record BacktestReport(
    DateOnly Cut,
    DateOnly Until,
    int KnownCustomers,
    int Insiders,
    double InsiderShare,
    decimal ForwardRevenue,
    decimal InsiderForwardRevenue,
    double Capture,
    double TopRevenueSameShareCapture,
    double TopRevenue15Capture);
