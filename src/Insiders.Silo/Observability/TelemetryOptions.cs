namespace Insiders.Silo.Observability;

/// <summary>Telemetry export (section <c>Insiders:Telemetry</c>, environment <c>Insiders__Telemetry__OtlpEndpoint</c> etc.).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Insiders:Telemetry";

    /// <summary>The standard OpenTelemetry variable, honoured when <see cref="OtlpEndpoint"/> is not set.</summary>
    public const string StandardOtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// OTLP collector base address (e.g. <c>http://otel-collector:4317</c>). When set (or when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is), traces, metrics and logs are exported over OTLP; otherwise no spans are
    /// created at all. The protocol is gRPC unless <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Path of the Prometheus scrape endpoint on the API port; empty disables it.</summary>
    public string? PrometheusPath { get; set; } = "/metrics";

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    public string ServiceName { get; set; } = "insiders";
}
