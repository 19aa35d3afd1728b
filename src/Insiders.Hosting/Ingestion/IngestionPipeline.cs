using Insiders.Customers;
using Insiders.Segmentation;
using Insiders.Storage;
using Insiders.Transactions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Insiders.Ingestion;

/// <summary>
/// The one way lines enter the system: journal first (then they are acknowledged), then each customer grain gets its
/// lines in one call, and the customers' reports go to their shards in one call per shard. A checkpoint flushes every
/// grain touched since the last one and records the journal position their persisted state covers; on start-up the
/// journal after the checkpoint is delivered again (customers ignore lines they already hold).
/// Calls are serialised: one batch at a time keeps the checkpoint exact.
/// </summary>
public sealed partial class IngestionPipeline(
    IGrainFactory grains,
    ITransactionJournal journal,
    ModelCache models,
    IOptions<InsidersOptions> options,
    ILogger<IngestionPipeline> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
    private readonly InsidersOptions _options = options.Value;
    private long _journaled;
    private long _checkpointed = -1;

    /// <summary>Journals and delivers <paramref name="lines"/>; when it returns, they are durable and applied.</summary>
    public async Task<IngestResult> IngestAsync(IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        await _recovered.Task.WaitAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var appended = await journal.AppendAsync(lines, cancellationToken);
            _journaled = appended.LastSequence;
            await DeliverAsync(appended.NewLines);
            return new IngestResult(appended.NewLines.Count, lines.Count - appended.NewLines.Count, appended.LastSequence);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Flushes every grain touched since the last checkpoint, then records the journal position.</summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await _recovered.Task.WaitAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await CheckpointCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Re-delivers journaled lines after the checkpoint (after a crash), then checkpoints. Ingestion waits until this
    /// has run once (the host runs it as soon as the silo is up).
    /// </summary>
    public async Task<long> RecoverAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var checkpoint = await journal.GetCheckpointAsync(cancellationToken);
            _checkpointed = checkpoint;
            _journaled = checkpoint;
            long recovered = 0;
            await foreach (var (last, lines) in journal.ReadAfterAsync(checkpoint, 50_000, cancellationToken))
            {
                await DeliverAsync(lines);
                recovered += lines.Length;
                _journaled = last;
            }

            if (recovered > 0)
            {
                LogRecovered(logger, recovered, checkpoint);
                await CheckpointCoreAsync(cancellationToken);
            }

            _recovered.TrySetResult();
            return recovered;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DeliverAsync(IReadOnlyList<TransactionLine> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        var byCustomer = new Dictionary<string, List<TransactionLine>>(StringComparer.Ordinal);
        var latest = DateTime.MinValue;
        foreach (var line in lines)
        {
            if (!byCustomer.TryGetValue(line.CustomerId, out var list))
            {
                byCustomer[line.CustomerId] = list = [];
            }

            list.Add(line);
            if (line.InvoiceDate > latest)
            {
                latest = line.InvoiceDate;
            }
        }

        models.ObserveEvent(latest);
        var clock = grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).AdvanceClock(latest);
        var reports = await ForEachWindowAsync(byCustomer, kv => grains.GetGrain<ICustomerGrain>(kv.Key).Apply(kv.Value.ToArray().AsImmutable()));
        foreach (var id in byCustomer.Keys)
        {
            _touched.Add(id);
        }

        var byShard = reports.GroupBy(r => InsidersOptions.ShardOf(r.History.CustomerId, _options.Shards));
        await Task.WhenAll(byShard.Select(g => grains.GetGrain<IFeatureShardGrain>(g.Key).Report(g.ToArray().AsImmutable())));
        await clock;
    }

    private async Task CheckpointCoreAsync(CancellationToken cancellationToken)
    {
        if (_touched.Count == 0 && _journaled == _checkpointed)
        {
            return;
        }

        await ForEachWindowAsync(_touched, id => grains.GetGrain<ICustomerGrain>(id).Flush(), _options.FlushParallelism);
        await Task.WhenAll(Enumerable.Range(0, _options.Shards).Select(i => grains.GetGrain<IFeatureShardGrain>(i).Flush()));
        await grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).Flush();
        await journal.SetCheckpointAsync(_journaled, cancellationToken);
        _checkpointed = _journaled;
        _touched.Clear();
    }

    private async Task<List<T>> ForEachWindowAsync<TItem, T>(IEnumerable<TItem> items, Func<TItem, Task<T>> call, int? parallelism = null)
    {
        var width = parallelism ?? _options.Parallelism;
        var results = new List<T>();
        var window = new List<Task<T>>(width);
        foreach (var item in items)
        {
            window.Add(call(item));
            if (window.Count == width)
            {
                results.AddRange(await Task.WhenAll(window));
                window.Clear();
            }
        }

        results.AddRange(await Task.WhenAll(window));
        return results;
    }

    private Task ForEachWindowAsync<TItem>(IEnumerable<TItem> items, Func<TItem, Task> call, int parallelism) =>
        ForEachWindowAsync(items, async item =>
        {
            await call(item);
            return true;
        }, parallelism);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Recovered {Lines} journaled lines after checkpoint {Checkpoint}")]
    private static partial void LogRecovered(ILogger logger, long lines, long checkpoint);
}
