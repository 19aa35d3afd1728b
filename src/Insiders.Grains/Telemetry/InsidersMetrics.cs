using System.Diagnostics.Metrics;
using Insiders.Clustering;
using Insiders.Segmentation;
using Insiders.Transactions;

namespace Insiders.Telemetry;

/// <summary>
/// The instruments of the <see cref="InsidersTelemetry.MeterName"/> meter, one instance per silo (from
/// <see cref="IMeterFactory"/>). Only System.Diagnostics.Metrics here: the host decides how they are exported.
/// Recording is a counter add or a histogram record with at most one tag from a fixed set (no allocation).
/// </summary>
public sealed class InsidersMetrics
{
    // 0.1 ms … 10 s: an event's way from arrival to the customer's flag is sub-millisecond when idle, seconds under load.
    private static readonly double[] EventToFlagBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // Retrains take seconds (3 s for 4,000 customers, ~14 s for 1M).
    private static readonly double[] RetrainBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

    private static readonly KeyValuePair<string, object?>[] ReasonTags =
        Enum.GetValues<RejectReason>().Select(r => KeyValuePair.Create(InsidersTelemetry.ReasonTag, (object?)r.ToString())).ToArray();

    private static readonly KeyValuePair<string, object?> Found = new(InsidersTelemetry.OutcomeTag, "found");
    private static readonly KeyValuePair<string, object?> Unknown = new(InsidersTelemetry.OutcomeTag, "unknown");
    private static readonly KeyValuePair<string, object?> Trained = new(InsidersTelemetry.OutcomeTag, "trained");
    private static readonly KeyValuePair<string, object?> Skipped = new(InsidersTelemetry.OutcomeTag, "skipped");
    private static readonly KeyValuePair<string, object?> Failed = new(InsidersTelemetry.OutcomeTag, "failed");
    private static readonly KeyValuePair<string, object?> Entry = new(InsidersTelemetry.DirectionTag, "entry");
    private static readonly KeyValuePair<string, object?> Exit = new(InsidersTelemetry.DirectionTag, "exit");

    private readonly Counter<long> _ingested;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _eventToFlag;
    private readonly Counter<long> _lookups;
    private readonly Histogram<double> _retrainDuration;
    private readonly Counter<long> _retrains;
    private readonly Counter<long> _transitions;

    public InsidersMetrics(IMeterFactory meterFactory, ModelCache models)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(models);
        var meter = meterFactory.Create(new MeterOptions(InsidersTelemetry.MeterName));
        _ingested = meter.CreateCounter<long>(InsidersTelemetry.LinesIngested, "{line}", "Accepted lines new to their customers (duplicates re-delivered are not counted).");
        _rejected = meter.CreateCounter<long>(InsidersTelemetry.LinesRejected, "{line}", "Lines rejected by the reader or the cleaning rules, by reason.");
        _eventToFlag = meter.CreateHistogram(InsidersTelemetry.EventToFlagDuration, "s",
            "From a batch's arrival at the ingestion pipeline to a customer's status reflecting it (one measurement per customer per batch).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = EventToFlagBuckets });
        _lookups = meter.CreateCounter<long>(InsidersTelemetry.Lookups, "{lookup}", "Customer status lookups, by outcome (found or unknown).");
        _retrainDuration = meter.CreateHistogram(InsidersTelemetry.RetrainDuration, "s", "Duration of completed retrains (snapshot, fit, sweep).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RetrainBuckets });
        _retrains = meter.CreateCounter<long>(InsidersTelemetry.Retrains, "{retrain}", "Retrains, by outcome (trained, skipped, failed).");
        _transitions = meter.CreateCounter<long>(InsidersTelemetry.Transitions, "{transition}", "Insider entries and exits, each counted once when first recorded.");
        meter.CreateObservableGauge(InsidersTelemetry.ModelK, () => Observe(models, m => m.K), "{cluster}", "K of the current model.");
        meter.CreateObservableGauge(InsidersTelemetry.ModelSilhouette, () => Observe(models, m => m.Silhouette), null, "Silhouette of the current model.");
        meter.CreateObservableGauge(InsidersTelemetry.Members, () => Observe(models, m => m.InsiderCustomers), "{customer}", "Insiders in the current model.");
    }

    public void LinesIngested(long lines)
    {
        if (lines > 0)
        {
            _ingested.Add(lines);
        }
    }

    /// <summary>Counts every rejection of <paramref name="summary"/> under its reason.</summary>
    public void LinesRejected(IngestSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        foreach (var (reason, count) in summary.RejectedByReason)
        {
            _rejected.Add(count, ReasonTags[(int)reason]);
        }
    }

    public void LineRejected(RejectReason reason) => _rejected.Add(1, ReasonTags[(int)reason]);

    public void EventToFlag(TimeSpan elapsed) => _eventToFlag.Record(elapsed.TotalSeconds);

    public void Lookup(bool found) => _lookups.Add(1, found ? Found : Unknown);

    public void Retrained(TimeSpan elapsed)
    {
        _retrainDuration.Record(elapsed.TotalSeconds);
        _retrains.Add(1, Trained);
    }

    public void RetrainSkipped() => _retrains.Add(1, Skipped);

    public void RetrainFailed() => _retrains.Add(1, Failed);

    /// <summary>Counts transitions the store recorded for the first time.</summary>
    public void TransitionsRecorded(int entries, int exits)
    {
        if (entries > 0)
        {
            _transitions.Add(entries, Entry);
        }

        if (exits > 0)
        {
            _transitions.Add(exits, Exit);
        }
    }

    private static IEnumerable<Measurement<T>> Observe<T>(ModelCache models, Func<SegmentModel, T> value)
        where T : struct =>
        models.Current is { } model ? [new Measurement<T>(value(model))] : [];
}
