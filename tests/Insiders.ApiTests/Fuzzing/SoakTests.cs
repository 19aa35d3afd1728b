using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Insiders.Synthetic;

namespace Insiders.Tests.Fuzzing;

/// <summary>
/// A bounded soak: synthetic lines posted at a steady rate while customers are looked up, for INSIDERS_SOAK_SECONDS
/// (default 120), on a host of its own and alone (no other test runs meanwhile, so the process's memory is this host's).
/// Asserts that no request failed, every line is accounted for, and the managed heap after a full GC stays flat;
/// lookup latency per window is reported (test output and bin/…/soak/soak-windows.md), not asserted.
/// </summary>
[Collection(SoakCollection.Name)]
public sealed class SoakTests
{
    private const int LinesPerPost = 200;
    private static readonly TimeSpan PostEvery = TimeSpan.FromMilliseconds(200); // 1,000 lines/s
    private static readonly TimeSpan LookupEvery = TimeSpan.FromMilliseconds(20); // 50 lookups/s

    private sealed class Counters
    {
        public long Posts, Lines, Accepted, Rejected, Duplicates, Lookups, Failures;
        public List<double> LatenciesMs = [];
        public string? FirstFailure;
    }

    [Fact]
    public async Task Soak_SteadyIngestionAndLookups_NoFailures_HeapStaysFlat()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("INSIDERS_SOAK_SECONDS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s >= 6 ? s : 120;
        var window = TimeSpan.FromSeconds(Math.Max(2, seconds / 12.0));
        var windows = (int)Math.Round(seconds / window.TotalSeconds);
        await using var factory = new InsidersHostFactory("soak", FuzzFixture.SmallHost(32L * 1024 * 1024));
        using var poster = factory.CreateClient();
        using var reader = factory.CreateClient();
        var lines = new SyntheticRetailGenerator(new SyntheticRetailOptions { Seed = 5, Customers = 2_000, Days = 365, DirtyLineShare = 0 }).Generate().GetEnumerator();
        var known = new List<string>();
        var counters = new Counters();
        using var stop = new CancellationTokenSource();

        var posting = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(PostEvery);
            for (var n = 0; await timer.WaitForNextTickAsync(stop.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result); n++)
            {
                var chunk = new List<SyntheticLine>(LinesPerPost);
                while (chunk.Count < LinesPerPost && lines.MoveNext())
                {
                    chunk.Add(lines.Current);
                }

                var csv = new StringBuilder(SyntheticLine.CsvHeader).Append('\n');
                chunk.ForEach(l => csv.Append(l.ToCsvRow()).Append('\n'));
                await Guard(counters, "post", async () =>
                {
                    using var response = await FuzzFixture.PostBytesAsync(poster, Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", $"soak-{n}");
                    var answer = await FuzzFixture.ReadIngestAsync(response, $"soak post {n}");
                    lock (counters)
                    {
                        counters.Posts++;
                        counters.Lines += chunk.Count;
                        (counters.Accepted, counters.Rejected, counters.Duplicates) = (counters.Accepted + answer.Accepted, counters.Rejected + answer.Rejected, counters.Duplicates + answer.Duplicates);
                        known.AddRange(chunk.Where(l => l.CustomerId is not null).Select(l => l.CustomerId!).Distinct());
                    }
                });
            }
        });

        var looking = Task.Run(async () =>
        {
            var random = new Random(5);
            using var timer = new PeriodicTimer(LookupEvery);
            while (await timer.WaitForNextTickAsync(stop.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result))
            {
                string? id;
                lock (counters)
                {
                    id = known.Count == 0 ? null : known[random.Next(known.Count)];
                }

                if (id is null)
                {
                    continue;
                }

                await Guard(counters, "lookup " + id, async () =>
                {
                    var clock = Stopwatch.StartNew();
                    using var response = await reader.GetAsync($"/api/customers/{id}", stop.Token);
                    var ms = clock.Elapsed.TotalMilliseconds;
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        throw new HttpRequestException($"GET customer {id}: {(int)response.StatusCode}");
                    }

                    lock (counters)
                    {
                        counters.Lookups++;
                        counters.LatenciesMs.Add(ms);
                    }
                });
            }
        });

        var table = new List<string> { "| window | end s | posts | lines | lookups | p50 ms | p99 ms | max ms | heap MB (after full GC) | working set MB |", "|---|---|---|---|---|---|---|---|---|---|" };
        var heaps = new List<double>();
        var run = Stopwatch.StartNew();
        long lastPosts = 0, lastLines = 0, lastLookups = 0;
        for (var w = 1; w <= windows; w++)
        {
            var wait = window * w - run.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, TestContext.Current.CancellationToken);
            }

            double[] latencies;
            long posts, count, lookups;
            lock (counters)
            {
                latencies = [.. counters.LatenciesMs.Order()];
                counters.LatenciesMs.Clear();
                (posts, count, lookups) = (counters.Posts - lastPosts, counters.Lines - lastLines, counters.Lookups - lastLookups);
                (lastPosts, lastLines, lastLookups) = (counters.Posts, counters.Lines, counters.Lookups);
            }

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var heap = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
            heaps.Add(heap);
            using var process = Process.GetCurrentProcess();
            table.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {w} | {run.Elapsed.TotalSeconds:0} | {posts} | {count} | {lookups} | {Percentile(latencies, 0.50):0.00} | {Percentile(latencies, 0.99):0.00} | {(latencies.Length == 0 ? 0 : latencies[^1]):0.00} | {heap:0.0} | {process.WorkingSet64 / 1048576.0:0} |"));
        }

        await stop.CancelAsync();
        await Task.WhenAll(posting, looking);

        var report = string.Join('\n', table);
        TestContext.Current.TestOutputHelper?.WriteLine($"soak {seconds} s, {LinesPerPost} lines every {PostEvery.TotalMilliseconds} ms, a lookup every {LookupEvery.TotalMilliseconds} ms\n{report}");
        var directory = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "soak"));
        await File.WriteAllTextAsync(Path.Combine(directory.FullName, "soak-windows.md"), report + "\n", TestContext.Current.CancellationToken);

        Assert.True(counters.Failures == 0, $"{counters.Failures} failed requests, first: {counters.FirstFailure}");
        Assert.True(counters.Posts >= windows, $"only {counters.Posts} posts");
        Assert.True(counters.Lookups > 0, "no lookups");
        Assert.Equal(counters.Lines, counters.Accepted + counters.Rejected);
        Assert.Equal(0, counters.Duplicates);
        // Window 1 is the warm-up (JIT, first activations); afterwards the heap must not grow beyond the new grains' state.
        Assert.True(heaps[^1] <= heaps[1] * 1.5 + 64, $"heap grew from {heaps[1]:0.0} MB to {heaps[^1]:0.0} MB\n{report}");
    }

    private static async Task Guard(Counters counters, string what, Func<Task> request)
    {
        try
        {
            await request();
        }
        catch (OperationCanceledException)
        {
            // the run ended while the request was in flight
        }
        catch (Exception e) when (e is HttpRequestException or Xunit.Sdk.XunitException or System.Text.Json.JsonException)
        {
            lock (counters)
            {
                counters.Failures++;
                counters.FirstFailure ??= $"{what}: {e.Message}";
            }
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "soak";
}
