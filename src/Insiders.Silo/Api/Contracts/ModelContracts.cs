namespace Insiders.Silo.Api.Contracts;

/// <summary>The model card.</summary>
/// <param name="BacktestCapture">The model's own backtest: the Insiders' share of revenue after a held-out cut (null when not computed).</param>
public sealed record ModelCardDto(
    long Version,
    DateTimeOffset TrainedAt,
    DateOnly AsOf,
    int K,
    double Silhouette,
    IReadOnlyDictionary<string, double> SilhouetteByK,
    int Customers,
    int InsiderCustomers,
    int InsiderSegments,
    string InsiderRule,
    double HysteresisMargin,
    double? BacktestCapture,
    IReadOnlyList<FeatureScaleDto> Features,
    DateOnly Clock);

/// <summary>A clustering feature: transform and weight, and the fitted mean/std of its prepared value.</summary>
public sealed record FeatureScaleDto(string Feature, bool Log, double Weight, double Mean, double Std);

/// <summary>
/// What a retrain did: the model, its sweep (customers whose status changed, entries, exits, customers called because
/// their Insider flag flipped) and where the time went (snapshot, fit, sweep; within the sweep, the slowest shard's
/// classify, calls and save).
/// </summary>
public sealed record RetrainDto(
    long Version,
    DateOnly AsOf,
    int Customers,
    int K,
    double Silhouette,
    int Insiders,
    int Reclassified,
    int Entered,
    int Left,
    double SnapshotMs,
    double FitMs,
    double ReclassifyMs,
    string? Skipped,
    int Called = 0,
    double SweepClassifyMs = 0,
    double SweepCallsMs = 0,
    double SweepSaveMs = 0);

/// <summary>The segment profile table of the current model.</summary>
public sealed record SegmentsDto(long ModelVersion, DateTimeOffset? TrainedAt, DateOnly? AsOf, IReadOnlyList<SegmentDto> Segments);

/// <summary>One segment: its profile (means per customer) and its centre in natural units (days, invoices/day, money).</summary>
public sealed record SegmentDto(
    int SegmentId,
    bool IsInsider,
    int Customers,
    double ShareOfCustomers,
    double ShareOfRevenue,
    double MeanGrossRevenue,
    double MeanNetRevenue,
    double MeanRecencyDays,
    double MeanFrequency,
    double MeanQtyInvoices,
    double MeanQtyProducts,
    double MeanReturnsValue,
    double MeanReturnRate,
    double MeanAvgTicket,
    IReadOnlyDictionary<string, double> Centre);
