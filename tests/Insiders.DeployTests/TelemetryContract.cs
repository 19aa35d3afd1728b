namespace Insiders.Tests;

/// <summary>
/// The telemetry contract the deployment is built against (issue #5), in one place so that it can be cross-checked
/// against a real scrape of <c>/metrics</c>.
/// </summary>
internal static class TelemetryContract
{
    /// <summary>Every Prometheus series name the service exposes (histograms by their _bucket/_sum/_count series).</summary>
    public static readonly string[] MetricNames =
    [
        "insiders_lines_ingested_total",
        "insiders_lines_rejected_total",
        "insiders_event_to_flag_duration_seconds_bucket",
        "insiders_event_to_flag_duration_seconds_sum",
        "insiders_event_to_flag_duration_seconds_count",
        "insiders_lookups_total",
        "insiders_retrain_duration_seconds_bucket",
        "insiders_retrain_duration_seconds_sum",
        "insiders_retrain_duration_seconds_count",
        "insiders_retrains_total",
        "insiders_model_k",
        "insiders_model_silhouette",
        "insiders_members",
        "insiders_transitions_total",
    ];

    /// <summary>Series Prometheus itself records for every target (not the service's).</summary>
    public static readonly string[] PrometheusOwnSeries = ["up"];

    /// <summary>Configuration keys of the telemetry (section <c>Insiders:Telemetry</c>).</summary>
    public static readonly string[] ConfigurationKeys =
    [
        "Insiders:Telemetry:OtlpEndpoint",
        "Insiders:Telemetry:PrometheusPath",
        "Insiders:Telemetry:ServiceName",
    ];

    public const string TelemetrySection = "Insiders:Telemetry";

    public const string MetricsPath = "/metrics";

    public const string LivenessPath = "/health/live";

    public const string ReadinessPath = "/health/ready";
}
