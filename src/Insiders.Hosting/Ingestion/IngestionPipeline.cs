using Insiders.Customers;
using Insiders.Infrastructure;
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
/// <para>
/// Ingestion calls are serialised by a gate (one batch at a time keeps the journal position exact); a checkpoint holds
/// that gate only to capture the open <see cref="Generation"/> (lines and activations since the last capture) and
/// start a fresh one. It then flushes the captured generation's customers, every shard and the coordinator while
/// ingestion goes on, and records the journal position of the capture: every line of this writer up to there was
/// delivered in that generation (or an earlier, checkpointed one), and the flushes persisted it.
/// </para>
/// <para>
/// Why concurrent ingestion cannot hide a loss. Each generation records, per customer (shard), the activation known to
/// hold everything the generation gave it, and only from answers to its own calls (see <see cref="Generation"/>).
/// Orleans runs one call at a time per activation and an activation never forgets a line while it lives (a customer
/// whose stale state is refused at a write takes a new activation id), so "activation a held the lines when it
/// answered" stays true as long as a answers. A flush answered by the recorded activation therefore wrote all of the
/// captured generation's lines (and perhaps later ones: harmless). A flush answered by another activation means they
/// may be lost: the checkpoint delivers the captured generation's lines for that customer again, together with a copy
/// of the open generation's lines for it (taken under the gate), then flushes it again. The open generation does not
/// rely on that: its own next call to the customer, or at the latest its own checkpoint's flush, sees the changed
/// activation and delivers its lines again. Shards the same way, with their reports.
/// </para>
/// <para>
/// One checkpoint at a time (a second waits for the first). Back-pressure: an ingestion call that leaves
/// <see cref="InsidersOptions.MaxUncheckpointedLines"/> or more in the open generation checkpoints (outside the gate,
/// after waiting for a running checkpoint, which then flushes as wide as an awaited one) before it returns, so at most
/// about twice that many lines are held. A checkpoint that fails puts its generation back in front of the open one; the
/// next covers both.
/// </para>
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
    private const int MaxRounds = 5;

    // _gate: one ingestion call at a time; guards _open and _journaled. _checkpointing: one checkpoint (or the
    // recovery) at a time; guards _checkpointed. Order: _checkpointing before _gate; ingestion never waits for a
    // checkpoint while it holds the gate.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _checkpointing = new(1, 1);
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly InsidersOptions _options = options.Value;
    private Generation _open = new();
    private TaskCompletionSource _hurry = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;
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
            return new IngestResult(0, 0, Volatile.Read(ref _journaled));
        }

        using var activity = InsidersTelemetry.ActivitySource.StartActivity("insiders.ingest");
        activity?.SetTag("insiders.lines", lines.Count);
        await _recovered.Task.WaitAsync(cancellationToken);
        IngestResult result;
        bool due;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var sequence = await journal.AppendAsync(writer.Name, lines, cancellationToken);
            _journaled = sequence;
            var applied = await DeliverWithRetryAsync(_open, lines, arrivedAt, cancellationToken);
            metrics.LinesIngested(applied);
            due = _open.Retained >= _options.MaxUncheckpointedLines;
            result = new IngestResult(applied, lines.Count - applied, sequence);
        }
        finally
        {
            _gate.Release();
        }

        if (due)
        {
            await CheckpointCoreAsync(onlyIfDue: true, background: false, cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// Takes over the batches of dead writers, flushes every grain touched since the last checkpoint, then records the
    /// journal positions. Ingestion goes on meanwhile (into the next checkpoint's generation). This checkpoint has
    /// someone waiting for it and flushes <see cref="InsidersOptions.FlushParallelism"/> grains at a time.
    /// </summary>
    public Task CheckpointAsync(CancellationToken cancellationToken = default) => CheckpointAsync(background: false, cancellationToken);

    /// <summary>
    /// As <see cref="CheckpointAsync(CancellationToken)"/>, for the periodic checkpoint of the running service, which
    /// nobody waits for: <see cref="InsidersOptions.BackgroundFlushParallelism"/> grains at a time, until someone does
    /// (an ingestion call held back by <see cref="InsidersOptions.MaxUncheckpointedLines"/>, an awaited checkpoint, the
    /// shutdown): from then on <see cref="InsidersOptions.FlushParallelism"/>.
    /// </summary>
    public Task BackgroundCheckpointAsync(CancellationToken cancellationToken) => CheckpointAsync(background: true, cancellationToken);

    private async Task CheckpointAsync(bool background, CancellationToken cancellationToken)
    {
        await _recovered.Task.WaitAsync(cancellationToken);
        await CheckpointCoreAsync(onlyIfDue: false, background, cancellationToken);
    }

    /// <summary>
    /// Delivers the journaled batches of writers that are gone (this silo's previous life, or a dead silo) after their
    /// checkpoints, then checkpoints. Ingestion waits until this has run once (the host runs it once the silo is up).
    /// </summary>
    public async Task<long> RecoverAsync(CancellationToken cancellationToken = default)
    {
        var recovered = await CheckpointCoreAsync(onlyIfDue: false, background: false, cancellationToken);
        _recovered.TrySetResult();
        return recovered;
    }

    // Returns the number of lines of dead writers delivered again.
    private async Task<long> CheckpointCoreAsync(bool onlyIfDue, bool background, CancellationToken cancellationToken)
    {
        if (!background)
        {
            // Someone waits from now on: a background checkpoint running ahead of this one widens (see FlushWindowAsync).
            Interlocked.Increment(ref _waiting);
            Volatile.Read(ref _hurry).TrySetResult();
        }

        try
        {
            await _checkpointing.WaitAsync(cancellationToken);
        }
        finally
        {
            if (!background)
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        try
        {
            // A fresh signal for this checkpoint, given at once when someone already waits (the order of these two
            // steps and the waiter's two above makes sure one of them sees the other).
            var hurry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _hurry, hurry);
            if (!background || Volatile.Read(ref _waiting) > 0)
            {
                hurry.TrySetResult();
            }

            var captured = await CaptureAsync(onlyIfDue, cancellationToken);
            if (captured is null)
            {
                return 0; // the checkpoint this call waited for took the lines that made it due
            }

            try
            {
                var (adopted, recovered) = await AdoptDeadWritersAsync(cancellationToken);
                captured.Absorb(adopted, ShardOf);
                await FlushAsync(captured, hurry.Task, cancellationToken);
                return recovered;
            }
            catch
            {
                // Nothing is lost: the captured generation goes back in front of the open one; the next checkpoint covers both.
                await _gate.WaitAsync(CancellationToken.None);
                try
                {
                    captured.Absorb(_open, ShardOf);
                    _open = captured;
                }
                finally
                {
                    _gate.Release();
                }

                throw;
            }
        }
        finally
        {
            _checkpointing.Release();
        }
    }

    // The only part of a checkpoint under the gate.
    private async Task<Generation?> CaptureAsync(bool onlyIfDue, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (onlyIfDue && _open.Retained < _options.MaxUncheckpointedLines)
            {
                return null;
            }

            var captured = _open;
            captured.Journaled = _journaled;
            _open = new Generation();
            return captured;
        }
        finally
        {
            _gate.Release();
        }
    }

    // Into a generation of its own, outside the gate (the checkpoint adds it to the captured one).
    private async Task<(Generation Adopted, long Lines)> AdoptDeadWritersAsync(CancellationToken cancellationToken)
    {
        var generation = new Generation();
        var pending = await journal.PendingWritersAsync(cancellationToken);
        if (pending.All(w => w == writer.Name))
        {
            return (generation, 0);
        }

        var live = await writer.LiveWritersAsync(cancellationToken);
        long recovered = 0;
        foreach (var dead in pending.Where(w => w != writer.Name && !live.Contains(w)))
        {
            // All of the writer's batches after its checkpoint in one delivery: each customer gets all its lines in one
            // call and is classified once on them, not once per batch on a partial history (which could record an entry,
            // an exit and an entry again within a second). A writer keeps at most about twice MaxUncheckpointedLines past its checkpoint.
            var checkpoint = await journal.GetCheckpointAsync(dead, cancellationToken);
            var last = checkpoint;
            var lines = new List<TransactionLine>();
            await foreach (var batch in journal.ReadAfterAsync(dead, checkpoint, cancellationToken))
            {
                lines.AddRange(batch.Lines);
                last = batch.Sequence;
            }

            if (lines.Count > 0)
            {
                await DeliverWithRetryAsync(generation, lines, arrivedAt: null, cancellationToken);
                recovered += lines.Count;
            }

            generation.Adopted[dead] = last;
            LogAdopted(logger, lines.Count, dead, checkpoint);
        }

        return (generation, recovered);
    }

    private async Task<int> DeliverWithRetryAsync(Generation generation, IReadOnlyList<TransactionLine> lines, long? arrivedAt, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.DeliveryRetryTimeout;
        var delay = TimeSpan.FromMilliseconds(250);
        var first = true;
        try
        {
            while (true)
            {
                try
                {
                    return await DeliverAsync(generation, lines, keep: first, arrivedAt);
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
        catch
        {
            // Given up (or cancelled): the lines are kept, but nobody is known to hold them; the checkpoint delivers them again.
            generation.Forget(lines.Select(l => l.CustomerId).Distinct(StringComparer.Ordinal), ShardOf);
            throw;
        }
    }

    // Returns the number of lines new to their customers.
    private async Task<int> DeliverAsync(Generation generation, IReadOnlyList<TransactionLine> lines, bool keep, long? arrivedAt)
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

        if (keep)
        {
            foreach (var (id, list) in byCustomer)
            {
                generation.Keep(id, list);
            }

            generation.Retained += lines.Count;
        }

        models.ObserveEvent(latest);
        var clock = grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).AdvanceClock(latest);
        var (reports, lost) = await ApplyAllAsync(generation, byCustomer, complete: false, arrivedAt);
        if (lost.Count > 0)
        {
            // A customer whose activation changed since it took lines of this generation lost them (and may have lost
            // other pipelines' lines, which those pipelines deliver again): everything since the capture once more.
            LogRedeliver(logger, lost.Count);
            await ApplyAllAsync(generation, lost.Select(id => KeyValuePair.Create(id, generation.Lines[id])), complete: true);
        }

        await ReportAsync(generation, reports.Select(r => r.History.CustomerId).Concat(lost));
        await clock;
        return reports.Sum(r => r.NewLines);
    }

    // Grain calls complete concurrently; their reports are remembered once all are in. With an arrival time, each
    // customer that took new lines records the event-to-flag latency as its call returns. `complete`: each call carries
    // all of the generation's lines for its customer. Returns the reports and the customers found to have lost lines.
    private async Task<(List<CustomerReport> Reports, List<string> Lost)> ApplyAllAsync(
        Generation generation, IEnumerable<KeyValuePair<string, List<TransactionLine>>> work, bool complete, long? arrivedAt = null)
    {
        var reports = await CallWindow.ForEachAsync(work, ApplyAsync, _options.Parallelism);
        var lost = reports.Where(r => generation.Remember(r, complete)).Select(r => r.History.CustomerId).ToList();
        return (reports, lost);

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

    // Sends the latest reports of these customers to their shards; a shard whose activation changed lost reports and
    // gets every report of this generation again.
    private async Task ReportAsync(Generation generation, IEnumerable<string> customerIds)
    {
        var byShard = customerIds.Distinct(StringComparer.Ordinal)
            .GroupBy(ShardOf)
            .ToDictionary(g => g.Key, g => g.Select(id => generation.Reports[id]).ToArray());
        var lost = await SendReportsAsync(generation, byShard, complete: false);
        await RestoreShardsAsync(generation, lost);
    }

    // A shard that lost its activation gets every report of this generation again, but the reports remembered may be
    // stale by now (a retrain's sweep reclassified the customer since): ask the customers again (their lines since the
    // capture once more, which also restores any customer that lost its activation meanwhile).
    private async Task RestoreShardsAsync(Generation generation, IReadOnlyCollection<int> lostShards)
    {
        if (lostShards.Count == 0)
        {
            return;
        }

        var ids = generation.Reports.Keys.Where(id => lostShards.Contains(ShardOf(id))).ToArray();
        generation.Refreshed.UnionWith(ids);
        await ApplyAllAsync(generation, ids.Select(id => KeyValuePair.Create(id, generation.Lines.GetValueOrDefault(id) ?? [])), complete: true);
        var all = lostShards.ToDictionary(shard => shard, shard => generation.Reports.Values.Where(r => ShardOf(r.History.CustomerId) == shard).ToArray());
        await SendReportsAsync(generation, all, complete: true);
    }

    // Returns the shards that answered from an activation other than the one recorded.
    private async Task<List<int>> SendReportsAsync(Generation generation, Dictionary<int, CustomerReport[]> byShard, bool complete)
    {
        var answers = await Task.WhenAll(byShard.Select(async kv => (Shard: kv.Key, Activation: await grains.GetGrain<IFeatureShardGrain>(kv.Key).Report(kv.Value.AsImmutable()))));
        return answers.Where(a => generation.RememberShard(a.Shard, a.Activation, complete)).Select(a => a.Shard).ToList();
    }

    // Customers first (one answering from another activation gets its lines again, reports again, and is flushed
    // again), then shards (likewise with reports), then the clock, then the journal positions.
    private async Task FlushAsync(Generation generation, Task hurry, CancellationToken cancellationToken)
    {
        if (generation.Lines.Count == 0 && generation.Adopted.Count == 0 && generation.Journaled <= _checkpointed)
        {
            return;
        }

        generation.Refreshed.Clear();
        await FlushCustomersAsync(generation, generation.Lines.Keys.ToList(), hurry, cancellationToken);
        for (var round = 0; ; round++)
        {
            var reported = generation.Reports.Keys.Select(ShardOf).ToHashSet();
            await UntilNoneLostAsync("Feature shards", Enumerable.Range(0, _options.Shards).ToList(), async shards =>
            {
                // As wide as the customers: a shard's flush runs on its activation while it writes, and with all of them
                // queued on SQLite's writer at once each would stay blocked until the writes before its own were done.
                var answers = await FlushWindowAsync(shards, async i => (Shard: i, Activation: await grains.GetGrain<IFeatureShardGrain>(i).Flush()), hurry);
                var lost = answers.Where(a => !generation.Persisted(a.Shard, a.Activation, reported.Contains(a.Shard))).Select(a => a.Shard).ToList();
                await RestoreShardsAsync(generation, lost);
                return lost;
            });

            // Customers asked again to restore a shard after their flush may have reclassified meanwhile (a new model):
            // their state, and an entry or exit that came with it, is persisted before the position is recorded.
            if (generation.Refreshed.Count == 0)
            {
                break;
            }

            if (round == MaxRounds)
            {
                throw new InvalidOperationException($"Feature shards keep losing their activations at checkpoint (after {MaxRounds} rounds); the cluster is unstable.");
            }

            var again = generation.Refreshed.ToList();
            generation.Refreshed.Clear();
            await FlushCustomersAsync(generation, again, hurry, cancellationToken);
        }

        await grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).Flush();
        if (generation.Journaled > _checkpointed)
        {
            await journal.SetCheckpointAsync(writer.Name, generation.Journaled, cancellationToken);
            _checkpointed = generation.Journaled;
        }

        foreach (var (dead, last) in generation.Adopted)
        {
            await journal.SetCheckpointAsync(dead, last, cancellationToken);
        }
    }

    // One that answers from another activation gets its lines again (with the open generation's), reports again, and
    // is flushed again.
    private Task FlushCustomersAsync(Generation generation, List<string> customerIds, Task hurry, CancellationToken cancellationToken) =>
        UntilNoneLostAsync("Customers", customerIds, async ids =>
        {
            // Rewrite, not Flush: a write this activation made earlier may have been lost with the database server
            // (customer state commits asynchronously on PostgreSQL); rewritten, the loss shows as a new activation.
            var answers = await FlushWindowAsync(ids, async id => (Id: id, Activation: await grains.Customer(id).Rewrite()), hurry);
            var lost = answers.Where(a => !generation.Persisted(a.Id, a.Activation)).Select(a => a.Id).ToList();
            if (lost.Count > 0)
            {
                LogRedeliver(logger, lost.Count);
                var open = await OpenLinesAsync(lost, cancellationToken);
                await ApplyAllAsync(generation, lost.Select(id => KeyValuePair.Create(id, generation.Lines[id].Concat(open.GetValueOrDefault(id) ?? []).ToList())), complete: true);
                await ReportAsync(generation, lost);
            }

            return lost;
        });

    // The open generation's lines of these customers (copied under the gate), for a checkpoint that found them lost.
    private async Task<Dictionary<string, List<TransactionLine>>> OpenLinesAsync(IEnumerable<string> customerIds, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return customerIds.Where(_open.Lines.ContainsKey).ToDictionary(id => id, id => _open.Lines[id].ToList(), StringComparer.Ordinal);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Runs `step` on `first`, then on whatever it reports lost, until nothing is; still losing after MaxRounds rounds
    // means the cluster is unstable.
    private static async Task UntilNoneLostAsync<T>(string what, List<T> first, Func<List<T>, Task<List<T>>> step)
    {
        var pending = first;
        for (var round = 0; pending.Count > 0; round++)
        {
            if (round == MaxRounds)
            {
                throw new InvalidOperationException($"{what} keep losing their activations at checkpoint ({pending.Count} after {MaxRounds} rounds); the cluster is unstable.");
            }

            pending = await step(pending);
        }
    }

    private int ShardOf(string customerId) => InsidersOptions.ShardOf(customerId, _options.Shards);

    /// <summary>
    /// A checkpoint's grain calls: <see cref="InsidersOptions.BackgroundFlushParallelism"/> at a time while nobody waits
    /// for it (the periodic checkpoint keeps to one core and leaves the rest to live ingestion),
    /// <see cref="InsidersOptions.FlushParallelism"/> once <paramref name="hurry"/> has completed (someone waits: a
    /// checkpoint of their own queued behind this one, an ingestion call held back by the uncheckpointed-lines limit, or
    /// the shutdown). Completed from the start for a checkpoint someone waits for.
    /// </summary>
    private Task<List<T>> FlushWindowAsync<TItem, T>(IEnumerable<TItem> items, Func<TItem, Task<T>> call, Task hurry) =>
        CallWindow.ForEachAsync(items, call, _options.BackgroundFlushParallelism, hurry, _options.FlushParallelism);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Delivered {Lines} journaled lines of writer {Writer} again (after its checkpoint {Checkpoint})")]
    private static partial void LogAdopted(ILogger logger, long lines, string writer, long checkpoint);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Delivery of {Lines} journaled lines failed; retrying in {Delay} ms")]
    private static partial void LogRetry(ILogger logger, Exception exception, int lines, double delay);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "{Customers} customers lost their activation (silo failure); delivering their lines again")]
    private static partial void LogRedeliver(ILogger logger, int customers);
}
