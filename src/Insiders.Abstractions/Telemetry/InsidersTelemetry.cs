using System.Diagnostics;

namespace Insiders.Telemetry;

/// <summary>
/// The names of Insiders' own telemetry: one meter and one activity source, both called <c>Insiders</c>, and the
/// instruments and tags dashboards are built against. Tags never carry customer ids.
/// </summary>
public static class InsidersTelemetry
{
    /// <summary>The meter of every Insiders instrument.</summary>
    public const string MeterName = "Insiders";

    /// <summary>The activity source of Insiders' own spans (ingestion batches, retrains).</summary>
    public const string ActivitySourceName = "Insiders";

    /// <summary>Accepted lines new to their customers (re-delivered duplicates are not counted).</summary>
    public const string LinesIngested = "insiders.lines.ingested";

    /// <summary>Lines refused by the reader or the cleaning rules, tag <see cref="ReasonTag"/>.</summary>
    public const string LinesRejected = "insiders.lines.rejected";

    /// <summary>Seconds from a batch's arrival at the pipeline to a customer's status reflecting it.</summary>
    public const string EventToFlagDuration = "insiders.event_to_flag.duration";

    /// <summary>Status lookups, tag <see cref="OutcomeTag"/> = found | unknown.</summary>
    public const string Lookups = "insiders.lookups";

    /// <summary>Seconds a completed retrain took (snapshot, fit, sweep).</summary>
    public const string RetrainDuration = "insiders.retrain.duration";

    /// <summary>Retrains, tag <see cref="OutcomeTag"/> = trained | skipped | failed.</summary>
    public const string Retrains = "insiders.retrains";

    /// <summary>K of the current model.</summary>
    public const string ModelK = "insiders.model.k";

    /// <summary>Silhouette of the current model.</summary>
    public const string ModelSilhouette = "insiders.model.silhouette";

    /// <summary>Insiders in the current model (counted when it was trained).</summary>
    public const string Members = "insiders.members";

    /// <summary>Recorded Insider entries and exits, tag <see cref="DirectionTag"/> = entry | exit.</summary>
    public const string Transitions = "insiders.transitions";

    public const string ReasonTag = "reason";
    public const string OutcomeTag = "outcome";
    public const string DirectionTag = "direction";

    /// <summary>Insiders' spans. Static: an activity source costs nothing until something listens to it.</summary>
    public static ActivitySource ActivitySource { get; } = new(ActivitySourceName);
}
