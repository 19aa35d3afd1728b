using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Insiders.Benchmarks;

public sealed record LookupBenchmarkOptions(Uri Url, int Rate, TimeSpan Duration, TimeSpan Warmup, int Connections, int MaxIds);

/// <summary>Latency percentiles of one run, in milliseconds, from the scheduled start of each request.</summary>
public sealed record LookupReport(
    LookupBenchmarkOptions Options, int Ids, long Requests, long Errors, double AchievedRate,
    double P50, double P90, double P99, double P999, double Max, double ServiceP50, double ServiceP99, double MaxLag)
{
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"| target rate | duration | requests | errors | achieved rate | p50 | p90 | p99 | p99.9 | max |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        sb.AppendLine(c, $"| {Options.Rate:N0}/s | {Options.Duration.TotalSeconds:0} s | {Requests:N0} | {Errors} | {AchievedRate:N0}/s | {P50:0.00} ms | {P90:0.00} ms | {P99:0.00} ms | {P999:0.00} ms | {Max:0.00} ms |");
        sb.AppendLine();
        sb.AppendLine(c, $"Service time (from the actual send): p50 {ServiceP50:0.00} ms, p99 {ServiceP99:0.00} ms; largest scheduler lag {MaxLag:0.00} ms; {Ids:N0} distinct customer ids.");
        return sb.ToString();
    }
}

/// <summary>
/// Open-loop load: request i is due at start + i / rate whatever happened to the earlier ones (no coordinated omission),
/// and its latency runs from that due time to the end of the response body.
/// </summary>
public static class LookupBenchmark
{
    public static async Task<LookupReport> RunAsync(LookupBenchmarkOptions o, TextWriter log)
    {
        ThreadPool.SetMinThreads(Math.Max(64, o.Connections), Math.Max(64, o.Connections));
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = o.Connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };
        using var http = new HttpClient(handler) { BaseAddress = o.Url, Timeout = TimeSpan.FromSeconds(30) };
        var ids = await CustomerIdsAsync(http, o.MaxIds);
        if (ids.Count == 0)
        {
            throw new InvalidOperationException("The service has no customers: ingest data first.");
        }

        await log.WriteLineAsync($"{ids.Count} customer ids; warm-up {o.Warmup.TotalSeconds:0} s, then {o.Duration.TotalSeconds:0} s at {o.Rate}/s");
        await RunPhaseAsync(http, ids, o.Rate, o.Warmup);
        var (latency, service, errors, lag, elapsed) = await RunPhaseAsync(http, ids, o.Rate, o.Duration);
        Array.Sort(latency);
        Array.Sort(service);
        return new LookupReport(o, ids.Count, latency.Length, errors, latency.Length / elapsed.TotalSeconds,
            Pct(latency, 0.50), Pct(latency, 0.90), Pct(latency, 0.99), Pct(latency, 0.999), latency[^1],
            Pct(service, 0.50), Pct(service, 0.99), lag);
    }

    private static async Task<(double[] Latency, double[] Service, long Errors, double MaxLag, TimeSpan Elapsed)> RunPhaseAsync(
        HttpClient http, IReadOnlyList<string> ids, int rate, TimeSpan duration)
    {
        var count = (int)(rate * duration.TotalSeconds);
        var latency = new double[count];
        var service = new double[count];
        var tasks = new Task[count];
        long errors = 0;
        double maxLag = 0;
        var tick = Stopwatch.Frequency / (double)rate;
        var start = Stopwatch.GetTimestamp();
        var thread = new Thread(() =>
        {
            for (var i = 0; i < count; i++)
            {
                var due = start + (long)(i * tick);
                while (true)
                {
                    var wait = due - Stopwatch.GetTimestamp();
                    if (wait <= 0)
                    {
                        break;
                    }

                    // Give the core away while waiting: on a small machine a spinning scheduler would take a whole core
                    // from the service under test. Any lateness is charged to the request (latency runs from `due`).
                    if (wait > Stopwatch.Frequency / 500)
                    {
                        Thread.Sleep(1);
                    }
                    else
                    {
                        Thread.Yield();
                    }
                }

                maxLag = Math.Max(maxLag, Ms(Stopwatch.GetTimestamp() - due));
                var index = i;
                tasks[i] = Task.Run(async () =>
                {
                    var sent = Stopwatch.GetTimestamp();
                    try
                    {
                        using var response = await http.GetAsync($"api/customers/{ids[index % ids.Count]}", HttpCompletionOption.ResponseContentRead);
                        if (!response.IsSuccessStatusCode)
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }

                    var end = Stopwatch.GetTimestamp();
                    latency[index] = Ms(end - due);
                    service[index] = Ms(end - sent);
                });
            }
        }) { IsBackground = true, Priority = ThreadPriority.Highest, Name = "schedule" };
        thread.Start();
        await Task.Run(thread.Join);
        await Task.WhenAll(tasks);
        return (latency, service, errors, maxLag, TimeSpan.FromTicks((long)((Stopwatch.GetTimestamp() - start) * (TimeSpan.TicksPerSecond / (double)Stopwatch.Frequency))));
    }

    private static async Task<List<string>> CustomerIdsAsync(HttpClient http, int max)
    {
        var ids = new List<string>();
        for (var page = 1; ids.Count < max; page++)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync($"api/customers?pageSize=1000&page={page}"));
            var items = doc.RootElement.GetProperty("items");
            if (items.GetArrayLength() == 0)
            {
                break;
            }

            ids.AddRange(items.EnumerateArray().Select(i => i.GetProperty("customerId").GetString()!));
        }

        // A fixed shuffle, so consecutive lookups hit different customers (and shards).
        var random = new Random(7);
        var shuffled = ids.Take(max).ToArray();
        random.Shuffle(shuffled);
        return [.. shuffled];
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static double Pct(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
