using System.Diagnostics;
using System.Globalization;
using System.Text;
using Insiders.Clustering;
using Insiders.Customers;
using Insiders.Features;
using Insiders.Ingestion;
using Insiders.Segmentation;
using Insiders.Transactions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Insiders.Benchmarks;

public sealed record EventToFlagOptions(
    int Customers, IReadOnlyList<int> Rates, TimeSpan Duration, TimeSpan Warmup, int Runs, TimeSpan BatchInterval, string DataDirectory, int Seed,
    IReadOnlyDictionary<string, string?> Settings);

/// <summary>
/// Latency percentiles (ms) of one run: each line from its batch's scheduled submission to the acknowledgement. Tail
/// attribution, over the slowest 1% of batches (medians): <c>TailGcPause</c>, the GC pause time from the schedule
/// thread's last sample before the batch was due to its acknowledgement; <c>TailLate</c>, how late the load generator's thread woke for it (the time
/// it could not run: GC suspension or two busy cores). <c>AllocatedPerLine</c>: bytes the whole process allocated
/// from the first measured batch's due time to the last acknowledgement, per line submitted in that time (less noisy
/// than latency on a shared machine, and what sets how often the GC runs).
/// </summary>
public sealed record LatencyRun(string Label, int Rate, int BatchSize, long Lines, double AchievedRate, double P50, double P99, double Max, int Checked, int Mismatched,
    double TailGcPause, double TailLate, double AllocatedPerLine)
{
    public static LatencyRun Median(IReadOnlyList<LatencyRun> runs)
    {
        double M(Func<LatencyRun, double> f) => runs.Select(f).Median();
        return new LatencyRun(runs[0].Label, runs[0].Rate, runs[0].BatchSize, (long)M(r => r.Lines), M(r => r.AchievedRate), M(r => r.P50), M(r => r.P99), M(r => r.Max),
            runs.Sum(r => r.Checked), runs.Sum(r => r.Mismatched), M(r => r.TailGcPause), M(r => r.TailLate), M(r => r.AllocatedPerLine));
    }
}

/// <summary>
/// Event-to-flag latency: an embedded silo in this process holding a trained model, fed at a steady open-loop rate in
/// small batches (as HTTP clients post). Batch j is due at start + j × interval whatever happened to earlier ones; each
/// of its lines is charged from that due time to the pipeline's acknowledgement, which returns once the batch is
/// journaled and every customer grain has applied its lines and reclassified itself against the current model
/// (<see cref="IngestionPipeline.IngestAsync"/>: journal, then customer Apply, then shard reports). As an independent
/// check, every 25th batch's first customer is read back with GetStatus right after the acknowledgement: its line count
/// must include the batch and it must be classified by the current model. Baseline: the same schedule and batches
/// applied to in-memory ledgers and classified by the same model, with no journal and no Orleans.
/// </summary>
public static class EventToFlagBenchmark
{
    private const int CheckEvery = 25;

    /// <summary>Called once the silo holds its population and model, before the first measured schedule.</summary>
    public static Action? MeasurementStarting { get; set; }

    public static async Task<string> RunAsync(EventToFlagOptions o, TextWriter log)
    {
        var data = new ScaleData(o.Customers, o.Seed, new DateTime(2011, 1, 1));
        var population = data.Lines($"population-{o.Customers}-{o.Seed}");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in population)
        {
            counts[line.CustomerId] = counts.GetValueOrDefault(line.CustomerId) + 1;
        }

        Directory.CreateDirectory(o.DataDirectory);
        using var host = BenchHost.Build(new Dictionary<string, string?>(o.Settings)
        {
            ["Insiders:DataDirectory"] = o.DataDirectory,
            ["Insiders:RetrainPeriod"] = "0",
        });
        await host.StartAsync();
        try
        {
            var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var sw = Stopwatch.StartNew();
            foreach (var chunk in population.Chunk(20_000))
            {
                await pipeline.IngestAsync(chunk);
            }

            await pipeline.CheckpointAsync();
            var coordinator = grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);
            var retrain = await coordinator.Retrain();
            var model = await coordinator.GetModel() ?? throw new InvalidOperationException($"No model: {retrain.Skipped}");
            await pipeline.CheckpointAsync();
            await log.WriteLineAsync($"{o.Customers:N0} customers ({population.Length:N0} lines) ingested and model v{model.Version} (K={model.K}) trained in {sw.Elapsed.TotalSeconds:0.0} s");

            // Baseline state: the same customers' ledgers in memory.
            var ledgers = Ledgers.Fold(population);

            population = [];
            MeasurementStarting?.Invoke();
            var results = new List<(LatencyRun Baseline, List<LatencyRun> Silo)>();
            var stream = 0;
            foreach (var rate in o.Rates)
            {
                var batchSize = Math.Max(1, (int)Math.Round(rate * o.BatchInterval.TotalSeconds));
                var baselineBatches = Batches(data, counts, rate, batchSize, o.Warmup + o.Duration, o.Seed + 1000 + rate, stream++, track: false);
                var baseline = await RunScheduleAsync("baseline", rate, batchSize, o, baselineBatches, batch => Task.FromResult(ApplyInMemory(ledgers, model, batch)), null);
                await log.WriteLineAsync($"baseline {rate}/s: p50 {baseline.P50:0.00} ms, p99 {baseline.P99:0.00} ms, max {baseline.Max:0.00} ms");
                var silo = new List<LatencyRun>();
                for (var r = 0; r < o.Runs; r++)
                {
                    var batches = Batches(data, counts, rate, batchSize, o.Warmup + o.Duration, o.Seed + (100 * r) + rate, stream++, track: true);
                    var run = await RunScheduleAsync("silo", rate, batchSize, o, batches, async batch => (await pipeline.IngestAsync(batch.Lines)).Accepted,
                        batch => CheckAsync(grains, model.Version, batch));
                    silo.Add(run);
                    await log.WriteLineAsync($"silo {rate}/s run {r + 1}: p50 {run.P50:0.00} ms, p99 {run.P99:0.00} ms, max {run.Max:0.00} ms (slowest 1%: GC pause {run.TailGcPause:0.0} ms, generator late {run.TailLate:0.0} ms), allocated {run.AllocatedPerLine / 1024:0.0} KB/line, achieved {run.AchievedRate:N0}/s, checked {run.Checked}, mismatched {run.Mismatched}");
                }

                results.Add((baseline, silo));
            }

            return Markdown(o, results);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private sealed record Batch(TransactionLine[] Lines, string? CheckCustomer, int CheckLines);

    // Lines of the stream: 90% from known customers (random), 10% from new ones; dated on the day after the population's
    // year so the event clock barely moves. Every CheckEvery-th batch notes its first customer's expected line count.
    private static List<Batch> Batches(ScaleData data, Dictionary<string, int> counts, int rate, int batchSize, TimeSpan length, int seed, int stream, bool track)
    {
        var random = new Random(seed);
        var sourceHash = LineIdentity.SourceHash($"stream-{stream}-{seed}");
        var total = (int)(rate * length.TotalSeconds);
        var batches = new List<Batch>(total / batchSize + 1);
        var day = data.End;
        long position = 0;
        for (var b = 0; b * batchSize < total; b++)
        {
            var lines = new TransactionLine[batchSize];
            for (var i = 0; i < batchSize; i++)
            {
                var customer = random.NextDouble() < 0.9
                    ? ScaleData.CustomerId(random.Next(data.Customers))
                    : ScaleData.CustomerId(data.Customers + random.Next(10 * data.Customers));
                var product = random.Next(2_000);
                position++;
                lines[i] = new TransactionLine(LineIdentity.For(sourceHash, position), $"S{stream}-{b}", ScaleData.StockCode(product), 1 + random.Next(6),
                    day.AddSeconds(random.Next(3_600)), 1.25m + (product % 20), customer, "United Kingdom");
                if (track)
                {
                    counts[customer] = counts.GetValueOrDefault(customer) + 1;
                }
            }

            var check = track && b % CheckEvery == 0 ? lines[0].CustomerId : null;
            batches.Add(new Batch(lines, check, check is null ? 0 : counts[check]));
        }

        return batches;
    }

    private static async Task<LatencyRun> RunScheduleAsync(string label, int rate, int batchSize, EventToFlagOptions o, List<Batch> batches, Func<Batch, Task<int>> submit, Func<Batch, Task<bool>>? check)
    {
        var interval = Stopwatch.Frequency * (double)batchSize / rate;
        var warmupBatches = (int)(o.Warmup.TotalSeconds * rate / batchSize);
        var latency = new double[batches.Count];
        var paused = new double[batches.Count];
        var woke = new double[batches.Count];
        var samples = new List<(long At, TimeSpan Pause)>(batches.Count);
        var tasks = new Task[batches.Count];
        int checkedCount = 0, mismatched = 0;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
        long allocatedAtMeasuredStart = 0;
        var thread = new Thread(() =>
        {
            for (var j = 0; j < batches.Count; j++)
            {
                var due = start + (long)(j * interval);
                samples.Add((Stopwatch.GetTimestamp(), GC.GetTotalPauseDuration()));
                WaitUntil(due);
                if (j == warmupBatches)
                {
                    allocatedAtMeasuredStart = GC.GetTotalAllocatedBytes();
                }

                var index = j;
                var pauseBefore = PauseAt(samples, due);
                woke[index] = (Stopwatch.GetTimestamp() - due) * 1000.0 / Stopwatch.Frequency;
                tasks[j] = Task.Run(async () =>
                {
                    var batch = batches[index];
                    await submit(batch);
                    latency[index] = (Stopwatch.GetTimestamp() - due) * 1000.0 / Stopwatch.Frequency;
                    paused[index] = (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds;
                    if (check is not null && batch.CheckCustomer is not null && index >= warmupBatches)
                    {
                        Interlocked.Increment(ref checkedCount);
                        if (!await check(batch))
                        {
                            Interlocked.Increment(ref mismatched);
                        }
                    }
                });
            }
        }) { IsBackground = true, Priority = ThreadPriority.Highest, Name = "schedule" };
        var measuredStart = start + (long)(warmupBatches * interval);
        thread.Start();
        await Task.Run(thread.Join);
        await Task.WhenAll(tasks);
        var allocated = GC.GetTotalAllocatedBytes() - allocatedAtMeasuredStart;
        var elapsed = (Stopwatch.GetTimestamp() - measuredStart) / (double)Stopwatch.Frequency;
        var measured = latency[warmupBatches..];
        var tail = Enumerable.Range(warmupBatches, measured.Length).OrderByDescending(i => latency[i]).Take(Math.Max(1, measured.Length / 100)).ToArray();
        double TailMedian(double[] values) => tail.Select(i => values[i]).Median();
        // Every line of a batch has its batch's latency.
        Array.Sort(measured);
        var lines = (long)measured.Length * batchSize;
        return new LatencyRun(label, rate, batchSize, lines, lines / elapsed, Pct(measured, 0.50), Pct(measured, 0.99), measured[^1], checkedCount, mismatched,
            TailMedian(paused), TailMedian(woke), lines == 0 ? 0 : allocated / (double)lines);
    }

    // The process's total GC pause as last sampled by the schedule thread before `due`. A batch due while a GC had the
    // process stopped is submitted only after it (with the others due meanwhile); the pause is charged to each of them.
    private static TimeSpan PauseAt(List<(long At, TimeSpan Pause)> samples, long due)
    {
        for (var i = samples.Count - 1; i >= 0; i--)
        {
            if (samples[i].At <= due)
            {
                return samples[i].Pause;
            }
        }

        return samples.Count > 0 ? samples[0].Pause : TimeSpan.Zero;
    }

    // Sleeps or yields (never spins a core away from the silo); lateness is charged to the batch anyway.
    private static void WaitUntil(long due)
    {
        while (true)
        {
            var wait = due - Stopwatch.GetTimestamp();
            if (wait <= 0)
            {
                return;
            }

            if (wait > Stopwatch.Frequency / 500)
            {
                Thread.Sleep(1);
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    private static async Task<bool> CheckAsync(IGrainFactory grains, long modelVersion, Batch batch)
    {
        var status = await grains.Customer(batch.CheckCustomer!).GetStatus();
        return status.Lines >= batch.CheckLines && status.ModelVersion >= modelVersion && status.SegmentId is not null;
    }

    private static readonly Lock BaselineLock = new();

    private static int ApplyInMemory(Dictionary<string, CustomerLedger> ledgers, SegmentModel model, Batch batch)
    {
        var applied = 0;
        lock (BaselineLock)
        {
            foreach (var group in batch.Lines.GroupBy(l => l.CustomerId))
            {
                var ledger = ledgers.For(group.Key);
                applied += group.Count(ledger.Apply);
                var asOf = DateOnly.FromDateTime(ledger.LastActivity!.Value);
                var summary = ledger.ToHistory(group.Key).SummaryBefore(asOf.AddDays(1));
                if (summary.HasPurchases)
                {
                    model.Classify(summary.FeaturesAt(asOf), null);
                }
            }
        }

        return applied;
    }

    // The service runs server GC with background (concurrent) collections; the CLI's batch replay turns them off.
    private static string GcMode() =>
        (System.Runtime.GCSettings.IsServerGC ? "server" : "workstation") +
        (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? ", no background collections" : ", background collections");

    private static double Pct(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static string Markdown(EventToFlagOptions o, List<(LatencyRun Baseline, List<LatencyRun> Silo)> results)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"{o.Customers:N0} customers in the silo; open loop, one batch every {o.BatchInterval.TotalMilliseconds:0} ms; {o.Duration.TotalSeconds:0} s measured after {o.Warmup.TotalSeconds:0} s warm-up; silo: median of {o.Runs} runs; GC: {GcMode()}.");
        sb.AppendLine();
        sb.AppendLine("| rate | lines per batch | silo p50 | silo p99 | silo max | slowest 1%: GC pause / generator late | allocated per line | achieved | baseline p50 | baseline p99 | baseline max | status read back (reflected / checked) |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var (baseline, silo) in results)
        {
            var m = LatencyRun.Median(silo);
            sb.AppendLine(c, $"| {m.Rate:N0}/s | {m.BatchSize} | {m.P50:0.00} ms | {m.P99:0.00} ms | {m.Max:0.00} ms | {m.TailGcPause:0.0} / {m.TailLate:0.0} ms | {m.AllocatedPerLine / 1024:0.0} KB | {m.AchievedRate:N0}/s | {baseline.P50:0.00} ms | {baseline.P99:0.00} ms | {baseline.Max:0.00} ms | {m.Checked - m.Mismatched} / {m.Checked} |");
        }

        sb.AppendLine();
        sb.AppendLine("Runs (p50 / p99 / max, ms):");
        foreach (var (_, silo) in results)
        {
            var runs = string.Join("; ", silo.Select(r => string.Create(c, $"{r.P50:0.00} / {r.P99:0.00} / {r.Max:0.00}")));
            sb.AppendLine(c, $"- {silo[0].Rate:N0}/s: {runs}");
        }

        foreach (var (_, silo) in results)
        {
            var m = LatencyRun.Median(silo);
            sb.AppendLine(c, $"RESULT rate={m.Rate} p50_ms={m.P50:0.00} p99_ms={m.P99:0.00} max_ms={m.Max:0.00}");
        }

        return sb.ToString();
    }
}
