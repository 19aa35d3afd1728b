using System.Text.Json;
using Insiders.Silo.Api;
using Insiders.Telemetry;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;

namespace Insiders.Silo.Observability;

/// <summary>
/// OpenTelemetry (Insiders', Orleans', ASP.NET Core's and Npgsql's signals; OTLP when configured, a Prometheus scrape
/// endpoint), health endpoints and the Orleans dashboard. Health and /metrics need no key (probes and scrapers have
/// none); the dashboard needs a key with role admin.
/// </summary>
public static class ObservabilityExtensions
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string DashboardPath = "/dashboard";

    /// <summary>Tag of the readiness checks.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Orleans' meter and the activity sources of grain calls (application grains and the runtime's own).</summary>
    private const string OrleansMeter = "Microsoft.Orleans";
    private static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime"];

    private static readonly JsonSerializerOptions HealthJson = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public static WebApplicationBuilder AddInsidersObservability(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlpEndpoint = ParseEndpoint(options.OtlpEndpoint);
        if (!string.IsNullOrEmpty(options.PrometheusPath) && !options.PrometheusPath.StartsWith('/'))
        {
            throw new OptionsValidationException(TelemetryOptions.Section, typeof(TelemetryOptions),
                [$"{TelemetryOptions.Section}:PrometheusPath must start with '/' (or be empty to disable the endpoint), not '{options.PrometheusPath}'."]);
        }

        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section);
        var prometheus = !string.IsNullOrEmpty(options.PrometheusPath);
        var otlp = otlpEndpoint is not null || !string.IsNullOrWhiteSpace(configuration[TelemetryOptions.StandardOtlpEndpointVariable]);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(string.IsNullOrWhiteSpace(options.ServiceName) ? "insiders" : options.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(InsidersTelemetry.MeterName, OrleansMeter).AddAspNetCoreInstrumentation().AddNpgsqlInstrumentation();
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });

        // Spans only when there is somewhere to send them: without OTLP no activity is created on the request path.
        if (otlp)
        {
            otel.WithTracing(tracing => tracing
                    .AddSource(InsidersTelemetry.ActivitySourceName)
                    .AddSource(OrleansActivitySources)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsProbeOrScrape(context.Request.Path, options.PrometheusPath))
                    .AddNpgsql())
                .WithLogging();
            if (otlpEndpoint is not null)
            {
                otel.UseOtlpExporter(Protocol(configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]), otlpEndpoint);
            }
            else
            {
                otel.UseOtlpExporter(); // OTEL_EXPORTER_OTLP_ENDPOINT and the other standard variables
            }
        }

        builder.Services.AddHealthChecks()
            .AddCheck<SiloHealthCheck>("silo", tags: [ReadyTag])
            .AddCheck<StorageHealthCheck>("storage", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5));
        return builder;
    }

    /// <summary>Maps /health/live, /health/ready, the Prometheus endpoint (no key) and the dashboard (admin key).</summary>
    public static WebApplication MapInsidersObservability(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (!string.IsNullOrEmpty(options.PrometheusPath))
        {
            app.MapPrometheusScrapingEndpoint(options.PrometheusPath).AllowAnonymous();
        }

        // Liveness runs no check: it answers as long as the process serves HTTP, whatever the database does.
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapOrleansDashboard(DashboardPath).RequireAuthorization(ApiRoles.AdminPolicy);
        return app;
    }

    private static Uri? ParseEndpoint(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new OptionsValidationException(TelemetryOptions.Section, typeof(TelemetryOptions),
                [$"{TelemetryOptions.Section}:OtlpEndpoint must be an absolute http(s) URI such as http://otel-collector:4317, not '{value}'."]);
        }

        return uri;
    }

    private static OtlpExportProtocol Protocol(string? value) =>
        string.Equals(value, "http/protobuf", StringComparison.OrdinalIgnoreCase) ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;

    private static bool IsProbeOrScrape(PathString path, string? prometheusPath) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        || (!string.IsNullOrEmpty(prometheusPath) && path.StartsWithSegments(prometheusPath, StringComparison.OrdinalIgnoreCase));

    // {"status":"Unhealthy","checks":{"storage":{"status":"Unhealthy","description":"..."}}}; no exception details.
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, HealthJson));
    }
}
