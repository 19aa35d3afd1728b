using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Insiders.Silo.Api.Contracts;
using Insiders.Transactions;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Insiders.Tests;

/// <summary>
/// A host of its own whose telemetry is also exported to memory, beside the production exporters: OTLP is configured
/// (pointed at a closed loopback port), so spans are created exactly as in production, and Prometheus serves /metrics.
/// The fixture drives the traffic once — a slice of the shared file posted twice, lookups, a retrain — and the tests
/// read what was exported. This test project runs in a process of its own and this collection alone: each host has its
/// own meter, but an OpenTelemetry meter provider listens to every meter of that name in the process, so another host
/// ingesting at the same time would add to it.
/// </summary>
public sealed class TelemetryFixture : IAsyncLifetime
{
    public const string From = "2010-12-01";
    public const string To = "2010-12-15";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public LockedCollection<MetricSnapshot> Metrics { get; } = [];

    public LockedCollection<Activity> Spans { get; } = [];

    public InsidersHostFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The posted body (header + the shared file's lines in [From, To)).</summary>
    public string Csv { get; private set; } = string.Empty;

    public IngestResponse FirstPost { get; private set; } = null!;

    public IngestResponse SecondPost { get; private set; } = null!;

    /// <summary>Two customers of the slice, looked up once each (found), and one id never sent (unknown).</summary>
    public string[] FoundIds { get; private set; } = [];

    public string UnknownId { get; } = "9" + Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture);

    public RetrainDto Retrain { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Factory = new InsidersHostFactory(
            "telemetry",
            new Dictionary<string, string?>
            {
                ["Insiders:Telemetry:OtlpEndpoint"] = $"http://127.0.0.1:{InsidersHostFactory.FreePort()}",
                // A small K range keeps the retrain short on a two-week slice.
                ["Insiders:Segmentation:MinClusters"] = "6",
                ["Insiders:Segmentation:MaxClusters"] = "12",
                ["Insiders:Segmentation:ClusterStep"] = "6",
            },
            services =>
            {
                services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(Metrics));
                services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(Spans));
            });
        Client = Factory.CreateClient();
        Csv = SharedSlice.Csv(From, To);
        FirstPost = await PostCsvAsync();
        SecondPost = await PostCsvAsync(); // the same body: every good line is a duplicate

        FoundIds = ReadIndependently().Lines.Select(l => l.CustomerId).Distinct(StringComparer.Ordinal).Take(2).ToArray();
        foreach (var id in FoundIds.Append(UnknownId))
        {
            using var lookup = await Client.GetAsync($"/api/customers/{id}");
            Assert.Equal(id == UnknownId ? 404 : 200, (int)lookup.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/model/retrain");
        request.Headers.Add("X-Api-Key", InsidersHostFactory.AdminKey);
        using var retrain = await Client.SendAsync(request);
        retrain.EnsureSuccessStatusCode();
        Retrain = (await retrain.Content.ReadFromJsonAsync<RetrainDto>(Json))!;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }

    /// <summary>The posted file read again by the reader, outside the service: accepted lines and rejections by reason.</summary>
    public (IReadOnlyList<TransactionLine> Lines, IngestSummary Summary) ReadIndependently()
    {
        var summary = new IngestSummary();
        var lines = new OnlineRetailReader("independent-count").Read(new StringReader(Csv), summary).ToList();
        return (lines, summary);
    }

    /// <summary>The points of instrument <paramref name="name"/> as the in-memory exporter last received them (cumulative).</summary>
    public IReadOnlyList<MetricPoint> Points(string name)
    {
        // Collects every reader; its result is false here because the OTLP reader cannot reach the (closed) collector port.
        Factory.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);
        var latest = Metrics.Snapshot().LastOrDefault(m => m.Name == name);
        Assert.True(latest is not null, $"instrument {name} was never exported");
        return latest.MetricPoints;
    }

    /// <summary>Sum of a counter, over the points whose <paramref name="tag"/> is <paramref name="value"/> (all points when null).</summary>
    public long CounterSum(string name, string? tag = null, string? value = null) =>
        Points(name).Where(p => tag is null || TagOf(p, tag) == value).Sum(p => p.GetSumLong());

    public static string? TagOf(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }

    private async Task<IngestResponse> PostCsvAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/transactions") { Content = new StringContent(Csv, System.Text.Encoding.UTF8, "text/csv") };
        request.Headers.Add("X-Api-Key", InsidersHostFactory.IngestKey);
        using var response = await Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IngestResponse>(Json))!;
    }
}

/// <summary>A collection the exporters write to from several threads; tests read snapshots.</summary>
public sealed class LockedCollection<T> : Collection<T>
{
    private readonly Lock _lock = new();

    public T[] Snapshot()
    {
        lock (_lock)
        {
            return [.. Items];
        }
    }

    protected override void InsertItem(int index, T item)
    {
        lock (_lock)
        {
            base.InsertItem(index, item);
        }
    }

    protected override void ClearItems()
    {
        lock (_lock)
        {
            base.ClearItems();
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection : ICollectionFixture<TelemetryFixture>
{
    public const string Name = "telemetry";
}
