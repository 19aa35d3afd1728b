using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Insiders.Infrastructure;
using Insiders.Silo.Api.Contracts;
using Insiders.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Insiders.Tests;

/// <summary>What the service exports, read back through the OpenTelemetry in-memory exporters and the Prometheus endpoint.</summary>
[Collection(TelemetryCollection.Name)]
public sealed partial class TelemetryTests(TelemetryFixture t)
{
    [Fact]
    public void LinesCounters_EqualTheReadersCountsOfThePostedFile()
    {
        var (_, expected) = t.ReadIndependently();
        Assert.True(expected.Accepted > 1_000 && expected.Rejected > 0, "the slice has good and bad lines");

        // Accepted lines once: the second post of the same body brought only duplicates.
        Assert.Equal(expected.Accepted, t.FirstPost.Accepted);
        Assert.Equal(0, t.SecondPost.Accepted);
        Assert.Equal(expected.Accepted, t.CounterSum(InsidersTelemetry.LinesIngested));

        // Rejections by reason, counted at each receipt (the body was received twice).
        var byReason = t.Points(InsidersTelemetry.LinesRejected).ToDictionary(p => TelemetryFixture.TagOf(p, InsidersTelemetry.ReasonTag)!, p => p.GetSumLong());
        Assert.Equal(expected.RejectedByReason.ToDictionary(kv => kv.Key.ToString(), kv => 2 * kv.Value), byReason);
    }

    [Fact]
    public void EventToFlag_OneMeasurementPerCustomerWithNewLines_PositiveAndBounded()
    {
        var (lines, _) = t.ReadIndependently();
        var customers = lines.Select(l => l.CustomerId).Distinct(StringComparer.Ordinal).Count();

        var point = Assert.Single(t.Points(InsidersTelemetry.EventToFlagDuration));
        // One batch (one post) reaches each of its customers in one call; the duplicate post reached none with new lines.
        Assert.Equal(customers, point.GetHistogramCount());
        Assert.True(point.TryGetHistogramMinMaxValues(out var min, out var max));
        Assert.True(min > 0, $"min {min} s");
        Assert.True(max < 60, $"max {max} s: far beyond a two-week slice on loopback");
        Assert.InRange(point.GetHistogramSum(), min * customers, max * customers);

        var bounds = new List<double>();
        foreach (var bucket in point.GetHistogramBuckets())
        {
            bounds.Add(bucket.ExplicitBound);
        }

        Assert.Equal(0.0001, bounds[0]);
        Assert.Equal(10, bounds[^2]); // then +Inf
    }

    [Fact]
    public void Lookups_CountedByOutcome()
    {
        Assert.Equal(t.FoundIds.Length, t.CounterSum(InsidersTelemetry.Lookups, InsidersTelemetry.OutcomeTag, "found"));
        Assert.Equal(1, t.CounterSum(InsidersTelemetry.Lookups, InsidersTelemetry.OutcomeTag, "unknown"));
    }

    [Fact]
    public async Task Retrain_DurationOutcomeAndModelGauges_MatchTheModelCard()
    {
        var card = await GetJsonAsync<ModelCardDto>("/api/model");
        Assert.Null(t.Retrain.Skipped);
        Assert.Equal(1, t.CounterSum(InsidersTelemetry.Retrains, InsidersTelemetry.OutcomeTag, "trained"));
        Assert.Equal(0, t.CounterSum(InsidersTelemetry.Retrains, InsidersTelemetry.OutcomeTag, "failed"));

        var duration = Assert.Single(t.Points(InsidersTelemetry.RetrainDuration));
        Assert.Equal(1, duration.GetHistogramCount());
        var phases = (t.Retrain.SnapshotMs + t.Retrain.FitMs + t.Retrain.ReclassifyMs) / 1000;
        Assert.Equal(phases, duration.GetHistogramSum(), 3);

        Assert.Equal(card.K, Assert.Single(t.Points(InsidersTelemetry.ModelK)).GetGaugeLastValueLong());
        Assert.Equal(card.Silhouette, Assert.Single(t.Points(InsidersTelemetry.ModelSilhouette)).GetGaugeLastValueDouble(), 9);
        Assert.Equal(card.InsiderCustomers, Assert.Single(t.Points(InsidersTelemetry.Members)).GetGaugeLastValueLong());
    }

    [Fact]
    public async Task Transitions_CountedOncePerRecordedTransition()
    {
        var recorded = new List<ChangeDto>();
        for (long after = 0; ;)
        {
            var page = await GetJsonAsync<ChangePageDto>($"/api/insiders/changes?after={after}&limit=1000");
            recorded.AddRange(page.Items);
            after = page.Next;
            if (!page.HasMore)
            {
                break;
            }
        }

        Assert.Equal(t.Retrain.Entered, recorded.Count(c => c.Entered));
        Assert.True(t.Retrain.Entered > 0);
        Assert.Equal(recorded.Count(c => c.Entered), t.CounterSum(InsidersTelemetry.Transitions, InsidersTelemetry.DirectionTag, "entry"));
        Assert.Equal(recorded.Count(c => !c.Entered), t.CounterSum(InsidersTelemetry.Transitions, InsidersTelemetry.DirectionTag, "exit"));

        // Recording the same transitions again (a re-delivery after a lost activation) changes nothing.
        var store = t.Factory.Services.GetRequiredService<IInsiderTransitionStore>();
        var again = await store.ReadAsync(0, 100_000, TestContext.Current.CancellationToken);
        await store.RecordAsync(again.Select(x => x.Transition).ToList(), TestContext.Current.CancellationToken);
        Assert.Equal(recorded.Count(c => c.Entered), t.CounterSum(InsidersTelemetry.Transitions, InsidersTelemetry.DirectionTag, "entry"));
    }

    [Fact]
    public async Task Trace_HttpServerSpan_ContinuesThroughTheGrainCall()
    {
        var lookup = await WaitForSpanAsync(a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server
            && (a.GetTagItem("url.path") as string) == $"/api/customers/{t.FoundIds[0]}");
        var trace = t.Spans.Snapshot().Where(a => a.TraceId == lookup.TraceId).ToList();
        // The grain call's client span (in the request) and its server span (in the grain, from the propagated context).
        Assert.Contains(trace, a => a.Source.Name == "Microsoft.Orleans.Application" && a.Kind == ActivityKind.Client && a.DisplayName.Contains("GetStatus", StringComparison.Ordinal));
        Assert.Contains(trace, a => a.Source.Name == "Microsoft.Orleans.Application" && a.Kind == ActivityKind.Server && a.DisplayName.Contains("GetStatus", StringComparison.Ordinal));

        // The first post: HTTP → the Insiders ingest span → each customer's Apply.
        var post = await WaitForSpanAsync(a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server && (a.GetTagItem("http.route") as string) == "/api/transactions");
        var ingest = t.Spans.Snapshot().Where(a => a.TraceId == post.TraceId).ToList();
        Assert.Contains(ingest, a => a.Source.Name == InsidersTelemetry.ActivitySourceName && a.DisplayName == "insiders.ingest");
        Assert.Contains(ingest, a => a.Source.Name == "Microsoft.Orleans.Application" && a.Kind == ActivityKind.Server && a.DisplayName.Contains("Apply", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Prometheus_Scrape_ServesTheInsidersMetricsInTextFormat_WithoutAKey()
    {
        using var response = await t.Client.GetAsync("/metrics", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        var types = TypeLine().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var expectedTypes = new Dictionary<string, string>
        {
            ["insiders_lines_ingested_total"] = "counter",
            ["insiders_lines_rejected_total"] = "counter",
            ["insiders_event_to_flag_duration_seconds"] = "histogram",
            ["insiders_lookups_total"] = "counter",
            ["insiders_retrain_duration_seconds"] = "histogram",
            ["insiders_retrains_total"] = "counter",
            ["insiders_model_k"] = "gauge",
            ["insiders_model_silhouette"] = "gauge",
            ["insiders_members"] = "gauge",
            ["insiders_transitions_total"] = "counter",
        };
        foreach (var (name, type) in expectedTypes)
        {
            Assert.True(types.TryGetValue(name, out var actual), $"{name} missing from /metrics");
            Assert.Equal(type, actual);
        }

        var (lines, summary) = t.ReadIndependently();
        var samples = SampleLine().Matches(text).Select(m => (Name: m.Groups[1].Value, Labels: m.Groups[2].Value, Value: double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(summary.Accepted, samples.Single(s => s.Name == "insiders_lines_ingested_total").Value);
        foreach (var (reason, count) in summary.RejectedByReason)
        {
            Assert.Equal(2 * count, samples.Single(s => s.Name == "insiders_lines_rejected_total" && s.Labels.Contains($"reason=\"{reason}\"", StringComparison.Ordinal)).Value);
        }

        Assert.Equal(lines.Select(l => l.CustomerId).Distinct(StringComparer.Ordinal).Count(), samples.Single(s => s.Name == "insiders_event_to_flag_duration_seconds_count").Value);
        Assert.Contains(samples, s => s.Name == "insiders_event_to_flag_duration_seconds_bucket" && s.Labels.Contains("le=\"0.0001\"", StringComparison.Ordinal));
        Assert.Contains(samples, s => s.Name == "insiders_event_to_flag_duration_seconds_sum" && s.Value > 0);
        Assert.Equal(t.Retrain.K, samples.Single(s => s.Name == "insiders_model_k").Value);

        // The deployment's telemetry contract (the Grafana dashboard and Prometheus config are checked against it in
        // Insiders.DeployTests) is what this service really serves: every series it names is in the scrape.
        var served = samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(TelemetryContract.MetricNames, name => Assert.Contains(name, served));

        // No customer id is a label value of any metric.
        var labelValues = LabelValue().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(lines, l => labelValues.Contains(l.CustomerId));
    }

    private async Task<T> GetJsonAsync<T>(string url)
    {
        using var response = await t.Client.GetAsync(url, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<T>(response.Content, TelemetryFixture.Json, TestContext.Current.CancellationToken))!;
    }

    // A server span is exported when it stops, which can be just after the client has its answer: wait for it (bounded).
    private async Task<Activity> WaitForSpanAsync(Func<Activity, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (t.Spans.Snapshot().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "span not exported within 30 s");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex("=\"([^\"]*)\"")]
    private static partial Regex LabelValue();

    [GeneratedRegex(@"^(insiders_[a-z_]+)(\{[^}]*\})? (\S+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
