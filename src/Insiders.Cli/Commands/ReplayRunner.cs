using System.Diagnostics;
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

    public sealed record Timings(TimeSpan Parse, TimeSpan Ingest, TimeSpan Checkpoint, TimeSpan Retrain);

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

    public async Task<Outcome> RunAsync(IReadOnlyList<TransactionLine> lines, IngestSummary summary, TimeSpan parseTime, ProgressBar? progress, bool retrain = true)
    {
        var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
        host.Services.GetRequiredService<InsidersMetrics>().LinesRejected(summary);
        var sw = Stopwatch.StartNew();
        long known = 0;
        for (var i = 0; i < lines.Count; i += BatchSize)
        {
            var batch = lines.Skip(i).Take(BatchSize).ToArray();
            var result = await pipeline.IngestAsync(batch);
            known += result.AlreadyKnown;
            progress?.Report(Math.Min(i + BatchSize, lines.Count), $"{Math.Min(i + BatchSize, lines.Count):N0}/{lines.Count:N0} lines");
        }

        var ingest = sw.Elapsed;
        await pipeline.CheckpointAsync();
        var checkpoint = sw.Elapsed - ingest;
        RetrainResult? model = null;
        if (retrain)
        {
            model = await Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).Retrain();
            await pipeline.CheckpointAsync();
        }

        var retrainTime = sw.Elapsed - ingest - checkpoint;
        var pointer = await Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).GetModelVersion();
        return new Outcome(summary, known, model, new Timings(parseTime, ingest, checkpoint, retrainTime), pointer.LatestEvent);
    }

    /// <summary>Feature rows of every customer with purchases at the clock date, with segment and Insider flag.</summary>
    public async Task<List<(CustomerFeatures Features, int? Segment, bool IsInsider)>> FeatureRowsAsync()
    {
        var pointer = await Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).GetModelVersion();
        var reports = await Grains.AllReportsAsync(Shards);
        var rows = new List<(CustomerFeatures, int?, bool)>();
        foreach (var r in reports.OrderBy(r => r.History.CustomerId, StringComparer.Ordinal))
        {
            var summary = r.History.SummaryBefore(pointer.Clock.AddDays(1));
            if (summary.HasPurchases)
            {
                rows.Add((summary.FeaturesAt(pointer.Clock), r.SegmentId, r.IsInsider == true));
            }
        }

        return rows;
    }

    public static CustomerReport[] Insiders(IEnumerable<CustomerReport> reports) => reports.Where(r => r.IsInsider == true).ToArray();
}
