using Insiders.Customers;
using Insiders.Segmentation;
using System.Diagnostics;
using Insiders.Storage;
using Insiders.Telemetry;
using Insiders.Transactions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Insiders.Ingestion;

/// <summary>
/// The one way lines enter the system: journal first (then they are acknowledged), then each customer grain gets its
/// lines in one call, and the customers' reports go to their shards in one call per shard.
/// <para>
/// Grain state is written behind. A checkpoint flushes every customer and shard touched since the last one, then
/// records the journal position the persisted state covers. Until then the pipeline keeps the lines it delivered, so
/// that when an activation is lost with its silo (its activation id changes between two calls) the lines go to the
/// new activation again. A silo that dies takes its pipeline with it: a survivor (or the silo itself, restarted)
/// delivers that writer's batches after its checkpoint again. Line identity makes every re-delivery harmless.
/// </para>
/// Calls are serialised: one batch at a time keeps the checkpoint exact.
/// <para>
/// Telemetry: <see cref="InsidersTelemetry.LinesIngested"/> counts the lines an ingestion call found new to their
/// customers (its <see cref="IngestResult.Accepted"/>; batches of dead writers delivered again are not counted a
/// second time), and <see cref="InsidersTelemetry.EventToFlagDuration"/> records, once per customer with new lines per
/// batch, the time from the batch's arrival to that customer's Apply returning (its status reflects the lines then).
/// </para>
/// </summary>
public sealed partial class IngestionPipeline(
    IGrainFactory grains,
    ITransactionJournal journal,
    ModelCache models,
    IOptions<InsidersOptions> options,
    IngestionWriter writer,
    InsidersMetrics metrics,
    ILogger<IngestionPipeline> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly InsidersOptions _options = options.Value;

    // Since the last checkpoint: lines delivered per customer, the activation each customer and shard answered from,
    // the latest report per customer, and the dead writers whose batches were delivered again.
    private readonly Dictionary<string, List<TransactionLine>> _since = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Guid> _customerActivations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CustomerReport> _reports = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Guid> _shardActivations = [];
    private readonly Dictionary<string, long> _adopted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lost = new(StringComparer.Ordinal);
    private int _retained;
    private long _journaled;
    private long _checkpointed;

    /// <summary>This pipeline's name in the journal.</summary>
    public string Writer => writer.Name;

    /// <summary>Whether the start-up recovery has run (until then ingestion waits).</summary>
    public bool IsRecovered => _recovered.Task.IsCompleted;

    /// <summary>Journals and delivers <paramref name="lines"/>; when it returns, they are durable and applied.</summary>
    public Task<IngestResult> IngestAsync(IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default) =>
        IngestAsync(lines, Stopwatch.GetTimestamp(), cancellationToken);

    /// <summary>
    /// As <see cref="IngestAsync(IReadOnlyList{TransactionLine}, CancellationToken)"/>, with the lines' arrival time
    /// (a <see cref="Stopwatch.GetTimestamp"/> value, e.g. when an HTTP request was received) for the event-to-flag latency.
    /// </summary>
    public async Task<IngestResult> IngestAsync(IReadOnlyList<TransactionLine> lines, long arrivedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            return new IngestResult(0, 0, _journaled);
        }

        using var activity = InsidersTelemetry.ActivitySource.StartActivity("insiders.ingest");
        activity?.SetTag("insiders.lines", lines.Count);
        await _recovered.Task.WaitAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var sequence = await journal.AppendAsync(writer.Name, lines, cancellationToken);
            _journaled = sequence;
            var applied = await DeliverWithRetryAsync(lines, arrivedAt, cancellationToken);
            metrics.LinesIngested(applied);
            if (_retained >= _options.MaxUncheckpointedLines)
            {
                await CheckpointCoreAsync(cancellationToken);
            }

            return new IngestResult(applied, lines.Count - applied, sequence);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Takes over the batches of dead writers, flushes every grain touched since the last checkpoint, then records the
    /// journal positions.
    /// </summary>
    public async Task CheckpointAsync(CancellationToken cancellationToken = default)
    {
        await _recovered.Task.WaitAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await AdoptDeadWritersAsync(cancellationToken);
            await CheckpointCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Delivers the journaled batches of writers that are gone (this silo's previous life, or a dead silo) after their
    /// checkpoints, then checkpoints. Ingestion waits until this has run once (the host runs it once the silo is up).
    /// </summary>
    public async Task<long> RecoverAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var recovered = await AdoptDeadWritersAsync(cancellationToken);
            await CheckpointCoreAsync(cancellationToken);
            _recovered.TrySetResult();
            return recovered;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<long> AdoptDeadWritersAsync(CancellationToken cancellationToken)
    {
        var pending = await journal.PendingWritersAsync(cancellationToken);
        if (pending.All(w => w == writer.Name))
        {
            return 0;
        }

        var live = await writer.LiveWritersAsync(cancellationToken);
        long recovered = 0;
        foreach (var dead in pending.Where(w => w != writer.Name && !live.Contains(w)))
        {
            var checkpoint = await journal.GetCheckpointAsync(dead, cancellationToken);
            var last = checkpoint;
            await foreach (var batch in journal.ReadAfterAsync(dead, checkpoint, cancellationToken))
            {
                await DeliverWithRetryAsync(batch.Lines, arrivedAt: null, cancellationToken);
                recovered += batch.Lines.Length;
                last = batch.Sequence;
            }

            _adopted[dead] = last;
            LogAdopted(logger, recovered, dead, checkpoint);
        }

        return recovered;
    }

    private async Task<int> DeliverWithRetryAsync(IReadOnlyList<TransactionLine> lines, long? arrivedAt, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.DeliveryRetryTimeout;
        var delay = TimeSpan.FromMilliseconds(250);
        var first = true;
        while (true)
        {
            try
            {
                return await DeliverAsync(lines, remember: first, arrivedAt);
            }
            catch (Exception e) when (e is not OperationCanceledException && DateTime.UtcNow < deadline)
            {
                // A silo died mid-call or the cluster is settling: the lines are journaled, so delivering again is safe.
                LogRetry(logger, e, lines.Count, delay.TotalMilliseconds);
                first = false;
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    // Returns the number of lines new to their customers.
    private async Task<int> DeliverAsync(IReadOnlyList<TransactionLine> lines, bool remember, long? arrivedAt)
    {
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

        if (remember)
        {
            foreach (var (id, list) in byCustomer)
            {
                if (!_since.TryGetValue(id, out var kept))
                {
                    _since[id] = kept = [];
                }

                kept.AddRange(list);
            }

            _retained += lines.Count;
        }

        models.ObserveEvent(latest);
        var clock = grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).AdvanceClock(latest);
        var reports = await ApplyAllAsync(byCustomer, arrivedAt);
        var applied = reports.Sum(r => r.NewLines);
        await RedeliverLostAsync();
        await ReportAsync(reports.Select(r => r.History.CustomerId));
        await clock;
        return applied;
    }

    // Grain calls complete concurrently; their reports are remembered once all are in. With an arrival time, each
    // customer that took new lines records the event-to-flag latency as its call returns.
    private async Task<List<CustomerReport>> ApplyAllAsync(IEnumerable<KeyValuePair<string, List<TransactionLine>>> work, long? arrivedAt = null)
    {
        var reports = await ForEachWindowAsync(work, ApplyAsync, _options.Parallelism);
        foreach (var report in reports)
        {
            Remember(report);
        }

        return reports;

        async Task<CustomerReport> ApplyAsync(KeyValuePair<string, List<TransactionLine>> kv)
        {
            var report = await grains.Customer(kv.Key).Apply(kv.Value.ToArray().AsImmutable());
            if (arrivedAt is { } arrival && report.NewLines > 0)
            {
                metrics.EventToFlag(Stopwatch.GetElapsedTime(arrival));
            }

            return report;
        }
    }

    // A customer whose activation changed since it took lines from this pipeline lost them (and may have lost other
    // pipelines' lines, which those pipelines deliver again): deliver everything since the checkpoint once more.
    private void Remember(CustomerReport report)
    {
        var id = report.History.CustomerId;
        if (_customerActivations.TryGetValue(id, out var previous) && previous != report.Activation)
        {
            _lost.Add(id);
        }

        _customerActivations[id] = report.Activation;
        _reports[id] = report;
    }

    private async Task RedeliverLostAsync()
    {
        for (var round = 0; _lost.Count > 0; round++)
        {
            if (round == 5)
            {
                throw new InvalidOperationException($"Customers keep losing their activations ({_lost.Count}); the cluster is unstable.");
            }

            var lost = _lost.ToArray();
            _lost.Clear();
            LogRedeliver(logger, lost.Length);
            await ApplyAllAsync(lost.Select(id => KeyValuePair.Create(id, _since[id])));
            await ReportAsync(lost);
        }
    }

    // Sends the latest reports of these customers to their shards; a shard whose activation changed lost reports and
    // gets every report of this checkpoint period again.
    private async Task ReportAsync(IEnumerable<string> customerIds)
    {
        var byShard = customerIds.Distinct(StringComparer.Ordinal)
            .GroupBy(id => InsidersOptions.ShardOf(id, _options.Shards))
            .ToDictionary(g => g.Key, g => g.Select(id => _reports[id]).ToArray());
        for (var round = 0; byShard.Count > 0; round++)
        {
            if (round == 5)
            {
                throw new InvalidOperationException("Feature shards keep losing their activations; the cluster is unstable.");
            }

            var answers = await Task.WhenAll(byShard.Select(async kv => (Shard: kv.Key, Activation: await grains.GetGrain<IFeatureShardGrain>(kv.Key).Report(kv.Value.AsImmutable()))));
            var lost = LostShards(answers).ToArray();
            await RefreshReportsAsync(lost);
            byShard = lost.ToDictionary(shard => shard, ReportsOfShard);
        }
    }

    // A shard that lost its activation gets every report of this checkpoint period again, but the reports this pipeline
    // remembers may be stale by now (a retrain's sweep reclassified the customer since): ask the customers again (their
    // lines since the checkpoint once more, which also restores any customer that lost its activation meanwhile).
    private async Task RefreshReportsAsync(IReadOnlyCollection<int> lostShards)
    {
        if (lostShards.Count == 0)
        {
            return;
        }

        var ids = _reports.Keys.Where(id => lostShards.Contains(InsidersOptions.ShardOf(id, _options.Shards))).ToArray();
        await ApplyAllAsync(ids.Select(id => KeyValuePair.Create(id, _since.GetValueOrDefault(id) ?? [])));
    }

    private IEnumerable<int> LostShards(IEnumerable<(int Shard, Guid Activation)> answers)
    {
        var lost = new List<int>();
        foreach (var (shard, activation) in answers)
        {
            if (_shardActivations.TryGetValue(shard, out var previous) && previous != activation)
            {
                lost.Add(shard);
            }

            _shardActivations[shard] = activation;
        }

        return lost;
    }

    private CustomerReport[] ReportsOfShard(int shard) =>
        _reports.Values.Where(r => InsidersOptions.ShardOf(r.History.CustomerId, _options.Shards) == shard).ToArray();

    private async Task CheckpointCoreAsync(CancellationToken cancellationToken)
    {
        if (_since.Count == 0 && _journaled == _checkpointed && _adopted.Count == 0)
        {
            return;
        }

        // Customers first (a lost activation gets its lines again and reports again), then shards, then the clock.
        for (var round = 0; ; round++)
        {
            var answers = await ForEachWindowAsync(_since.Keys.ToArray(), async id => (Id: id, Activation: await grains.Customer(id).Flush()), _options.FlushParallelism);
            foreach (var (id, activation) in answers)
            {
                if (_customerActivations.TryGetValue(id, out var previous) && previous != activation)
                {
                    _lost.Add(id);
                }
            }

            if (_lost.Count == 0)
            {
                break;
            }

            if (round == 5)
            {
                throw new InvalidOperationException("Customers keep losing their activations at checkpoint; the cluster is unstable.");
            }

            await RedeliverLostAsync();
        }

        for (var round = 0; ; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, _options.Shards).Select(async i => (Shard: i, Activation: await grains.GetGrain<IFeatureShardGrain>(i).Flush())));
            var lost = LostShards(answers).ToArray();
            if (lost.Length == 0)
            {
                break;
            }

            if (round == 5)
            {
                throw new InvalidOperationException("Feature shards keep losing their activations at checkpoint; the cluster is unstable.");
            }

            await RefreshReportsAsync(lost);
            await ReportAsync(lost.SelectMany(ReportsOfShard).Select(r => r.History.CustomerId));
        }

        await grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).Flush();
        if (_journaled > _checkpointed)
        {
            await journal.SetCheckpointAsync(writer.Name, _journaled, cancellationToken);
            _checkpointed = _journaled;
        }

        foreach (var (dead, last) in _adopted)
        {
            await journal.SetCheckpointAsync(dead, last, cancellationToken);
        }

        _adopted.Clear();
        _since.Clear();
        _customerActivations.Clear();
        _reports.Clear();
        _shardActivations.Clear();
        _retained = 0;
    }

    // At most `width` calls in flight, a new one starting as soon as any finishes (no wait for the slowest of a window);
    // after a failure no further calls start, and the failure is rethrown once the calls in flight are done.
    private static async Task<List<T>> ForEachWindowAsync<TItem, T>(IEnumerable<TItem> items, Func<TItem, Task<T>> call, int width)
    {
        var results = new List<T>();
        using var next = items.GetEnumerator();
        var failed = false;

        async Task Worker()
        {
            while (true)
            {
                TItem item;
                lock (results)
                {
                    if (failed || !next.MoveNext())
                    {
                        return;
                    }

                    item = next.Current;
                }

                try
                {
                    var result = await call(item);
                    lock (results)
                    {
                        results.Add(result);
                    }
                }
                catch
                {
                    failed = true;
                    throw;
                }
            }
        }

        var workers = new Task[Math.Max(1, width)];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Worker();
        }

        await Task.WhenAll(workers);
        return results;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Delivered {Lines} journaled lines of writer {Writer} again (after its checkpoint {Checkpoint})")]
    private static partial void LogAdopted(ILogger logger, long lines, string writer, long checkpoint);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Delivery of {Lines} journaled lines failed; retrying in {Delay} ms")]
    private static partial void LogRetry(ILogger logger, Exception exception, int lines, double delay);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "{Customers} customers lost their activation (silo failure); delivering their lines again")]
    private static partial void LogRedeliver(ILogger logger, int customers);
}
