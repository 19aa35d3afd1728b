using System.Diagnostics;
using System.Globalization;
using System.Text;
using Insiders.Clustering;
using Insiders.Features;
using Insiders.Ingestion;
using Insiders.Segmentation;
using Insiders.Transactions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Insiders.Benchmarks;

public sealed record RetrainBenchmarkOptions(int Customers, int Runs, string DataDirectory, int Seed, string? ExportPoints, int BatchSize, IReadOnlyDictionary<string, string?> Settings);

/// <summary>One retrain through the silo: phase durations from <see cref="RetrainResult"/> and the process's peak memory.</summary>
public sealed record RetrainRun(long Version, TimeSpan Snapshot, TimeSpan Fit, TimeSpan Reclassify, TimeSpan Total, int Customers, int K, int Reclassified, int Called, long PeakBytes, long GcHeapBytes)
{
    public static RetrainRun Median(IReadOnlyList<RetrainRun> runs)
    {
        T M<T>(Func<RetrainRun, T> f) => runs.Select(f).Median();
        return new RetrainRun(runs[^1].Version, M(r => r.Snapshot), M(r => r.Fit), M(r => r.Reclassify), M(r => r.Total), runs[0].Customers, runs[^1].K,
            M(r => r.Reclassified), M(r => r.Called), M(r => r.PeakBytes), M(r => r.GcHeapBytes));
    }
}

public sealed record RetrainReport(
    RetrainBenchmarkOptions Options, int Lines, int Clustered, TimeSpan BaselineFeatures, TimeSpan BaselineFit, long BaselinePeakBytes,
    TimeSpan Ingest, TimeSpan Checkpoint, long IngestPeakBytes, int TrickleLines, TimeSpan TrickleCheckpoint, RetrainRun First, IReadOnlyList<RetrainRun> Warm, long ProcessPeakBytes)
{
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        static string S(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
        var sb = new StringBuilder();
        var median = RetrainRun.Median(Warm);
        sb.AppendLine(c, $"Customers {Options.Customers:N0} ({Clustered:N0} with purchases), {Lines:N0} lines; ingest {S(Ingest)} ({Lines / Ingest.TotalSeconds:N0} lines/s) + checkpoint {S(Checkpoint)}, peak {ProcessMemory.Gb(IngestPeakBytes)} after ingest; then a background checkpoint after {TrickleLines:N0} new lines of stored customers: {TrickleCheckpoint.TotalSeconds.ToString("0.000", c)} s (median of 3).");
        sb.AppendLine();
        sb.AppendLine("| retrain | snapshot | fit | publish + reclassify | total | status changed / grains called | K | peak RSS (VmHWM) | GC heap |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        sb.AppendLine(c, $"| baseline: plain batch pass (ledgers in memory → SegmentTrainer), median of {Options.Runs} | {S(BaselineFeatures)} (features) | {S(BaselineFit)} | – | {S(BaselineFeatures + BaselineFit)} | – | – | {ProcessMemory.Gb(BaselinePeakBytes)} | – |");
        sb.AppendLine(c, $"| first model (v{First.Version}: every customer classified) | {S(First.Snapshot)} | {S(First.Fit)} | {S(First.Reclassify)} | {S(First.Total)} | {First.Reclassified:N0} / {First.Called:N0} | {First.K} | {ProcessMemory.Gb(First.PeakBytes)} | {ProcessMemory.Gb(First.GcHeapBytes)} |");
        foreach (var r in Warm)
        {
            sb.AppendLine(c, $"| warm retrain v{r.Version} | {S(r.Snapshot)} | {S(r.Fit)} | {S(r.Reclassify)} | {S(r.Total)} | {r.Reclassified:N0} / {r.Called:N0} | {r.K} | {ProcessMemory.Gb(r.PeakBytes)} | {ProcessMemory.Gb(r.GcHeapBytes)} |");
        }

        sb.AppendLine(c, $"| **warm retrain, median of {Warm.Count}** | **{S(median.Snapshot)}** | **{S(median.Fit)}** | **{S(median.Reclassify)}** | **{S(median.Total)}** | {median.Reclassified:N0} / {median.Called:N0} | {median.K} | **{ProcessMemory.Gb(median.PeakBytes)}** | {ProcessMemory.Gb(median.GcHeapBytes)} |");
        sb.AppendLine();
        sb.AppendLine(c, $"Whole-process peak RSS over the run (generation, baseline, ingestion, retrains): {ProcessMemory.Gb(ProcessPeakBytes)}.");
        sb.AppendLine(c, $"RESULT customers={Options.Customers} snapshot_s={median.Snapshot.TotalSeconds:0.00} fit_s={median.Fit.TotalSeconds:0.00} reclassify_s={median.Reclassify.TotalSeconds:0.00} total_s={median.Total.TotalSeconds:0.00} first_total_s={First.Total.TotalSeconds:0.00} baseline_fit_s={BaselineFit.TotalSeconds:0.00} baseline_features_s={BaselineFeatures.TotalSeconds:0.00} peak_gb={ProcessPeakBytes / 1e9:0.00} ingest_s={Ingest.TotalSeconds:0.0} checkpoint_s={Checkpoint.TotalSeconds:0.0} trickle_checkpoint_s={TrickleCheckpoint.TotalSeconds:0.000}");
        return sb.ToString();
    }
}

/// <summary>
/// Retrain at scale: synthetic customers ingested through the real pipeline into an embedded silo in this process, then
/// retrains with the silo warm (phase timings and peak memory), beside the same fit done by a plain batch pass.
/// </summary>
public static class RetrainBenchmark
{
    public static async Task<RetrainReport> RunAsync(RetrainBenchmarkOptions o, TextWriter log)
    {
        var overallPeak = 0L;
        void NotePeak() => overallPeak = Math.Max(overallPeak, ProcessMemory.PeakBytes);

        var data = new ScaleData(o.Customers, o.Seed, new DateTime(2011, 1, 1));
        var sw = Stopwatch.StartNew();
        var lines = data.Lines($"scale-{o.Customers}-{o.Seed}");
        await log.WriteLineAsync($"generated {lines.Length:N0} lines for {o.Customers:N0} customers in {sw.Elapsed.TotalSeconds:0.0} s");
        var asOf = DateOnly.FromDateTime(lines[^1].InvoiceDate);

        // Baseline: the same customers' features computed in memory (a ledger per customer, no Orleans), then the same fit.
        var (baselineFeatures, baselineFit, baselinePeak, clustered) = Baseline(lines, asOf, o, log);
        NotePeak();

        Directory.CreateDirectory(o.DataDirectory);
        var settings = new Dictionary<string, string?>(o.Settings)
        {
            ["Insiders:DataDirectory"] = o.DataDirectory,
            ["Insiders:RetrainPeriod"] = "0",
        };
        using var host = BenchHost.Build(settings);
        await host.StartAsync();
        try
        {
            var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var writes = new StateWriteCounter(host.Services.GetService<Insiders.Storage.SqliteDatabase>()?.StateWriter);
            sw.Restart();
            for (var i = 0; i < lines.Length; i += o.BatchSize)
            {
                await pipeline.IngestAsync(new ArraySegment<TransactionLine>(lines, i, Math.Min(o.BatchSize, lines.Length - i)));
                if ((i / o.BatchSize) % 50 == 0)
                {
                    await log.WriteLineAsync($"  ingested {i + o.BatchSize:N0} lines, {sw.Elapsed.TotalSeconds:0.0} s, RSS {ProcessMemory.Gb(ProcessMemory.CurrentBytes)}");
                }
            }

            var ingest = sw.Elapsed;
            await pipeline.CheckpointAsync();
            var checkpoint = sw.Elapsed - ingest;
            var lineCount = lines.Length;
            lines = [];
            NotePeak();
            var ingestPeak = ProcessMemory.PeakBytes;
            await log.WriteLineAsync($"ingest {ingest.TotalSeconds:0.0} s, checkpoint {checkpoint.TotalSeconds:0.0} s, peak {ProcessMemory.Gb(ingestPeak)}{writes.Since()}");

            // What the running service's periodic checkpoint costs under light traffic: 1,000 lines for 1,000 customers
            // already stored, then a background checkpoint (BackgroundFlushParallelism wide, as the service's); median of 3.
            var trickle = new List<TimeSpan>();
            var trickleCount = 0;
            for (var t = 0; t < 3; t++)
            {
                var trickleLines = TrickleLines(data, 1_000, o.Seed + t);
                trickleCount = trickleLines.Length;
                await pipeline.IngestAsync(trickleLines);
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                sw.Restart();
                await pipeline.BackgroundCheckpointAsync(CancellationToken.None);
                trickle.Add(sw.Elapsed);
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                await log.WriteLineAsync($"checkpoint after {trickleLines.Length:N0} lines: {sw.Elapsed.TotalSeconds:0.000} s, {allocated / 1e6:0.0} MB allocated{writes.Since()}");
            }

            var trickleCheckpoint = trickle.Median();

            var coordinator = grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);
            var runs = new List<RetrainRun>();
            for (var r = 0; r <= o.Runs; r++)
            {
                // Freed memory back to the system first: the peak below is what the silo holds plus what the retrain adds.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                NotePeak();
                ProcessMemory.ResetPeak();
                await log.WriteLineAsync($"before retrain {r + 1}: RSS {ProcessMemory.Gb(ProcessMemory.CurrentBytes)}, GC heap {ProcessMemory.Gb(GC.GetGCMemoryInfo().HeapSizeBytes)}");
                var result = await coordinator.Retrain();
                if (result.Skipped is { } why)
                {
                    throw new InvalidOperationException($"Retrain skipped: {why}");
                }

                var run = new RetrainRun(result.Version, result.Snapshot, result.Fit, result.Reclassify, result.Snapshot + result.Fit + result.Reclassify,
                    result.Customers, result.K, result.Sweep.Reclassified, result.Sweep.Called, ProcessMemory.PeakBytes, ProcessMemory.GcPeakHeapBytes());
                NotePeak();
                runs.Add(run);
                await log.WriteLineAsync($"retrain v{run.Version}: snapshot {run.Snapshot.TotalSeconds:0.00} s, fit {run.Fit.TotalSeconds:0.00} s, reclassify {run.Reclassify.TotalSeconds:0.00} s ({run.Reclassified:N0} changed, {run.Called:N0} called; slowest shard: classify {result.Sweep.Classify.TotalSeconds:0.00} s, calls {result.Sweep.Calls.TotalSeconds:0.00} s, save {result.Sweep.Save.TotalSeconds:0.00} s), peak {ProcessMemory.Gb(run.PeakBytes)}{writes.Since()}");
                await pipeline.CheckpointAsync();
            }

            return new RetrainReport(o, lineCount, clustered, baselineFeatures, baselineFit, baselinePeak, ingest, checkpoint, ingestPeak, trickleCount, trickleCheckpoint, runs[0], runs[1..], overallPeak);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    // One line each for `count` distinct stored customers, on the data's last day.
    private static TransactionLine[] TrickleLines(ScaleData data, int count, int seed)
    {
        var random = new Random(seed);
        var source = LineIdentity.SourceHash($"trickle-{seed}");
        return random.GetItems(Enumerable.Range(0, data.Customers).ToArray(), count * 2).Distinct().Take(count)
            .Select((customer, i) => new TransactionLine(LineIdentity.For(source, i + 1), $"T{seed}-{i}", ScaleData.StockCode(random.Next(2_000)), 1 + random.Next(6),
                data.End.AddSeconds(random.Next(3_600)), 2.50m, ScaleData.CustomerId(customer), "United Kingdom"))
            .ToArray();
    }

    private static (TimeSpan Features, TimeSpan Fit, long Peak, int Clustered) Baseline(TransactionLine[] lines, DateOnly asOf, RetrainBenchmarkOptions o, TextWriter log)
    {
        GC.Collect();
        ProcessMemory.ResetPeak();
        var features = new List<TimeSpan>();
        var fits = new List<TimeSpan>();
        var clustered = 0;
        for (var r = 0; r < o.Runs; r++)
        {
            var sw = Stopwatch.StartNew();
            var ledgers = Ledgers.Fold(lines);

            var histories = ledgers.Select(kv => kv.Value.ToHistory(kv.Key)).ToArray();
            ledgers = null;
            features.Add(sw.Elapsed);
            sw.Restart();
            var model = new SegmentTrainer(new SegmentationOptions()).Train(histories, asOf, 1, DateTimeOffset.UtcNow);
            fits.Add(sw.Elapsed);
            clustered = model.Customers;
            log.WriteLine($"baseline run {r + 1}: features {features[^1].TotalSeconds:0.00} s, fit {fits[^1].TotalSeconds:0.00} s (K={model.K}, {model.Customers:N0} customers)");
            if (r == 0 && o.ExportPoints is { } path)
            {
                ExportPoints(histories, asOf, path);
                log.WriteLine($"exported the clustering space of {model.Customers:N0} customers to {path}");
            }
        }

        var peak = ProcessMemory.PeakBytes;
        // Give the baseline's memory back to the system (server GC keeps freed regions otherwise), so the silo's peak
        // below is the silo's.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return (features.Median(), fits.Median(), peak, clustered);
    }

    /// <summary>The points k-means sees (value model, log1p, standardised, weighted), one row per customer, for scikit-learn.</summary>
    private static void ExportPoints(IReadOnlyCollection<CustomerHistory> histories, DateOnly asOf, string path)
    {
        var options = new SegmentationOptions();
        var rows = SegmentTrainer.FeatureRows(histories, asOf);
        var value = CustomerValueModel.Fit(rows, options.ValueHorizonDays, options.ValueFitSample, options.Seed);
        var space = FeatureSpace.Fit(rows, options.Features, value);
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(',', options.Features.Select(f => f.Feature.ToString())));
        foreach (var row in rows)
        {
            writer.WriteLine(string.Join(',', space.Transform(row).Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
        }
    }
}

/// <summary>The embedded state writer's writes and transactions since the last call (nothing on PostgreSQL).</summary>
internal sealed class StateWriteCounter(Insiders.Storage.SqliteStateWriter? writer)
{
    private long _writes = writer?.Writes ?? 0;
    private long _commits = writer?.Commits ?? 0;

    public string Since()
    {
        if (writer is null)
        {
            return "";
        }

        long writes = writer.Writes, commits = writer.Commits;
        var text = $"; {writes - _writes:N0} state writes in {commits - _commits:N0} transactions";
        (_writes, _commits) = (writes, commits);
        return text;
    }
}
