using System.Diagnostics;
using System.Threading.Channels;
using Insiders.Customers;
using Insiders.Features;
using Insiders.Ingestion;
using Insiders.Segmentation;
using Insiders.Telemetry;
using Insiders.Transactions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Insiders.Cli.Commands;

/// <summary>
/// Replays a file through the live system: parse and clean, sort by InvoiceDate (stable), ingest in batches through
/// the journal and the customer grains, checkpoint, retrain once. Used by <c>replay</c> and <c>backtest</c>.
/// </summary>
internal sealed class ReplayRunner(IHost host)
{
    public const int BatchSize = 20_000;

    public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

    public int Shards => host.Services.GetRequiredService<IOptions<InsidersOptions>>().Value.Shards;

    /// <summary>Where the time went. <see cref="Streamed"/>: parsing overlapped ingestion (then <see cref="Ingest"/> spans both).</summary>
    public sealed record Timings(TimeSpan Parse, TimeSpan Ingest, TimeSpan Checkpoint, TimeSpan Retrain, bool Streamed = false)
    {
        /// <summary>From the first byte read to the last line acknowledged (journaled and applied).</summary>
        public TimeSpan ReadToAcknowledged => Streamed ? Ingest : Parse + Ingest;
    }

    public sealed record Outcome(IngestSummary Summary, long AlreadyKnown, RetrainResult? Retrain, Timings Timings, DateTime? LatestEvent);

    /// <summary>Reads, cleans and orders lines by event time (stable: file order among equal times).</summary>
    public static List<TransactionLine> ReadSorted(string path, string source, CleaningRules rules, IngestSummary summary, Func<TransactionLine, bool>? filter = null)
    {
        var reader = new OnlineRetailReader(source, rules);
        var lines = new List<TransactionLine>();
        foreach (var line in reader.ReadFile(path, summary))
        {
            if (filter is null || filter(line))
            {
                lines.Add(line);
            }
        }

        var keyed = lines.Select((l, i) => (l, i)).ToArray();
        Array.Sort(keyed, static (a, b) =>
        {
            var c = a.l.InvoiceDate.CompareTo(b.l.InvoiceDate);
            return c != 0 ? c : a.i.CompareTo(b.i);
        });
        return keyed.Select(k => k.l).ToList();
    }

    /// <summary>
    /// Replays a file in event-time order. A file already in that order (checked by a quick <see cref="EventOrderScan"/>,
    /// as the UCI export is) streams: batches are ingested while the rest is still being parsed. Any other file is read
    /// whole, sorted (stable), then ingested. Either way the grains see the same lines in the same order.
    /// </summary>
    public async Task<Outcome> ReplayFileAsync(string path, string source, CleaningRules rules, IngestSummary summary, bool showProgress)
    {
        var sw = Stopwatch.StartNew();
        var scan = EventOrderScan.Scan(path);
        if (!scan.InOrder)
        {
            var lines = ReadSorted(path, source, rules, summary);
            return await RunAsync(lines, summary, sw.Elapsed, new ProgressBar(lines.Count, showProgress));
        }

        var batches = Channel.CreateBounded<(TransactionLine[] Lines, long RecordsRead)>(
            new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var parse = TimeSpan.Zero;
        var producer = Task.Run(async () =>
        {
            try
            {
                var reader = new OnlineRetailReader(source, rules);
                var batch = new List<TransactionLine>(BatchSize);
                var busy = Stopwatch.StartNew();
                foreach (var line in reader.ReadFile(path, summary))
                {
                    batch.Add(line);
                    if (batch.Count == BatchSize)
                    {
                        busy.Stop();
                        await batches.Writer.WriteAsync(([.. batch], summary.Total));
                        busy.Start();
                        batch.Clear();
                    }
                }

                await batches.Writer.WriteAsync(([.. batch], summary.Total));
                parse = busy.Elapsed;
                batches.Writer.Complete();
            }
            catch (Exception e)
            {
                batches.Writer.Complete(e);
            }
        });

        var result = await IngestAsync(batches.Reader.ReadAllAsync(), new ProgressBar(scan.Records, showProgress));
        await producer;
        return await FinishAsync(summary, result.AlreadyKnown, new Timings(parse, sw.Elapsed, TimeSpan.Zero, TimeSpan.Zero, Streamed: true), retrain: true);
    }

    public async Task<Outcome> RunAsync(IReadOnlyList<TransactionLine> lines, IngestSummary summary, TimeSpan parseTime, ProgressBar? progress, bool retrain = true)
    {
        var sw = Stopwatch.StartNew();
        var result = await IngestAsync(InBatches(lines), progress);
        return await FinishAsync(summary, result.AlreadyKnown, new Timings(parseTime, sw.Elapsed, TimeSpan.Zero, TimeSpan.Zero), retrain);
    }

    private static async IAsyncEnumerable<(TransactionLine[] Lines, long RecordsRead)> InBatches(IReadOnlyList<TransactionLine> lines)
    {
        for (var i = 0; i < lines.Count; i += BatchSize)
        {
            var batch = new TransactionLine[Math.Min(BatchSize, lines.Count - i)];
            for (var j = 0; j < batch.Length; j++)
            {
                batch[j] = lines[i + j];
            }

            yield return (batch, i + batch.Length);
            await Task.CompletedTask;
        }
    }

    private async Task<(long AlreadyKnown, long Delivered)> IngestAsync(IAsyncEnumerable<(TransactionLine[] Lines, long RecordsRead)> batches, ProgressBar? progress)
    {
        var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
        long known = 0, delivered = 0;
        await foreach (var (batch, done) in batches)
        {
            if (batch.Length > 0)
            {
                var result = await pipeline.IngestAsync(batch);
                known += result.AlreadyKnown;
                delivered += batch.Length;
            }

            progress?.Report(done, $"{done:N0} lines");
        }

        progress?.Finish();
        return (known, delivered);
    }

    // Checkpoint (grain state persisted), then the one retrain of a replay, then its checkpoint.
    private async Task<Outcome> FinishAsync(IngestSummary summary, long alreadyKnown, Timings timings, bool retrain)
    {
        var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
        host.Services.GetRequiredService<InsidersMetrics>().LinesRejected(summary);
        var sw = Stopwatch.StartNew();
        await pipeline.CheckpointAsync();
        var checkpoint = sw.Elapsed;
        RetrainResult? model = null;
        if (retrain)
        {
            model = await Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).Retrain();
            await pipeline.CheckpointAsync();
        }

        var retrainTime = sw.Elapsed - checkpoint;
        var pointer = await Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).GetModelVersion();
        return new Outcome(summary, alreadyKnown, model, timings with { Checkpoint = checkpoint, Retrain = retrainTime }, pointer.LatestEvent);
    }

    /// <summary>Feature rows of every customer with purchases at the clock date, with segment and Insider flag.</summary>
    public async Task<List<(CustomerFeatures Features, int? Segment, bool IsInsider)>> FeatureRowsAsync()
    {
        var pointer = await Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).GetModelVersion();
        var reports = await Grains.AllReportsAsync(Shards);
        var rows = new List<(CustomerFeatures, int?, bool)>();
        foreach (var r in reports.OrderBy(r => r.History.CustomerId, StringComparer.Ordinal))
        {
            if (r.History.FeaturesAt(pointer.Clock) is { } features)
            {
                rows.Add((features, r.SegmentId, r.IsInsider == true));
            }
        }

        return rows;
    }

    public static CustomerReport[] Insiders(IEnumerable<CustomerReport> reports) => reports.Where(r => r.IsInsider == true).ToArray();
}
