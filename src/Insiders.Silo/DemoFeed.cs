using System.Globalization;
using Insiders.Infrastructure;
using Insiders.Ingestion;
using Insiders.Synthetic;
using Insiders.Telemetry;
using Insiders.Transactions;
using Microsoft.Extensions.Options;

namespace Insiders.Silo;

/// <summary>
/// Streams the synthetic generator into the ingestion pipeline at a steady rate (through the same CSV reader and
/// cleaning rules as real files) and prints every Insider entry and exit as retrains and purchases happen.
/// </summary>
internal sealed partial class DemoFeed(
    IngestionPipeline pipeline, InsiderFeed feed, InsidersMetrics metrics, IOptions<DemoFeedOptions> options, ILogger<DemoFeed> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return;
        }

        _ = PrintTransitionsAsync(stoppingToken);
        var generator = new SyntheticRetailGenerator(new SyntheticRetailOptions { Seed = o.Seed, Customers = o.Customers, Days = o.Days });
        var reader = new OnlineRetailReader($"synthetic-seed-{o.Seed}");
        var summary = new IngestSummary();
        var csv = new StringWriter(CultureInfo.InvariantCulture);
        generator.WriteCsv(csv);
        var batch = new List<TransactionLine>();
        var perTick = Math.Max(1, o.LinesPerSecond / 10);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        foreach (var line in reader.Read(new StringReader(csv.ToString()), summary, r => metrics.LineRejected(r.Reason)))
        {
            batch.Add(line);
            if (batch.Count < perTick)
            {
                continue;
            }

            await pipeline.IngestAsync(batch, stoppingToken);
            batch.Clear();
            await timer.WaitForNextTickAsync(stoppingToken);
        }

        await pipeline.IngestAsync(batch, stoppingToken);
        LogDone(logger, summary.Accepted, summary.Rejected);
    }

    private async Task PrintTransitionsAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var t in feed.Subscribe(stoppingToken))
            {
                LogTransition(logger, t.Entered ? "ENTERED" : "LEFT", t.CustomerId, t.ModelVersion, t.FromSegment, t.ToSegment);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Insider {Direction}: customer {CustomerId} (model v{Version}, segment {From} -> {To})")]
    private static partial void LogTransition(ILogger logger, string direction, string customerId, long version, int? from, int? to);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Synthetic feed finished: {Accepted} lines accepted, {Rejected} rejected by the cleaning rules")]
    private static partial void LogDone(ILogger logger, long accepted, long rejected);
}
