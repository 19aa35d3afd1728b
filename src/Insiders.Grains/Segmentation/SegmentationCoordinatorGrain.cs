using System.Diagnostics;
using Insiders.Clustering;
using Insiders.Features;
using Microsoft.Extensions.Logging;
using Insiders.Infrastructure;
using Insiders.Telemetry;
using Microsoft.Extensions.Options;

namespace Insiders.Segmentation;

/// <summary>
/// The single coordinator: keeps the event clock, retrains on a reminder (durable with the cluster's reminder table, and
/// delivered to the one activation of this grain, so once per period however many silos run) and on demand (snapshot all shards, fit off the
/// Orleans scheduler, publish a new model version, sweep all shards). Its read methods interleave so that customers
/// fetching the model during a sweep never deadlock with the retrain that started the sweep.
/// <para>
/// A retrain is crash-safe: the new model is written to the grain state in one write (before it, the previous model
/// stays current), then recorded for BI (idempotent by version) and swept. A sweep cut short by a crash is finished by
/// the next activation, so every customer ends up classified, and its entry or exit recorded, under the new model.
/// </para>
/// </summary>
public sealed partial class SegmentationCoordinatorGrain(
    [PersistentState("coordinator", InsidersNames.Storage)] IPersistentState<CoordinatorState> state,
    IOptions<InsidersOptions> options,
    IOptions<SegmentationOptions> segmentation,
    ModelCache models,
    IReadModelStore readModel,
    InsidersMetrics metrics,
    TimeProvider time,
    BackgroundThreads fitThreads,
    ILogger<SegmentationCoordinatorGrain> logger) : Grain, ISegmentationCoordinatorGrain, IRemindable
{
    public const string ReminderName = "retrain";

    private static readonly TimeSpan s_resumeRetry = TimeSpan.FromSeconds(5);

    private bool _clockDirty;
    private IGrainTimer? _resume;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Model is { } model)
        {
            models.Install(model);
            if (state.State.SweptVersion < model.Version)
            {
                // The previous activation died between publishing this model and finishing its sweep. Finish it off
                // the activation path (the sweep calls every shard), retrying while the cluster settles.
                _resume = this.RegisterGrainTimer(ResumeSweepAsync, new GrainTimerCreationOptions(TimeSpan.Zero, s_resumeRetry) { KeepAlive = true });
            }
        }

        return Task.CompletedTask;
    }

    public async Task EnsureScheduled(TimeSpan period)
    {
        var existing = await this.GetReminder(ReminderName);
        if (period <= TimeSpan.Zero)
        {
            if (existing is not null)
            {
                await this.UnregisterReminder(existing);
                state.State.SchedulePeriod = null;
                await state.WriteStateAsync();
            }

            return;
        }

        // An existing reminder keeps its phase (it survived a restart in the reminder table); a new period replaces it.
        if (existing is null || state.State.SchedulePeriod != period)
        {
            await this.RegisterOrUpdateReminder(ReminderName, period, period);
            state.State.SchedulePeriod = period;
            await state.WriteStateAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName)
        {
            await OnTimerAsync();
        }
    }

    public Task<SegmentModel?> GetModel() => Task.FromResult(state.State.Model);

    public Task<ModelPointer> GetModelVersion() =>
        Task.FromResult(new ModelPointer(state.State.Model?.Version ?? 0, ClockDate(), state.State.LatestEvent));

    public Task AdvanceClock(DateTime latestEvent)
    {
        if (state.State.LatestEvent is null || latestEvent > state.State.LatestEvent)
        {
            state.State.LatestEvent = latestEvent;
            _clockDirty = true;
        }

        return Task.CompletedTask;
    }

    public async Task<RetrainResult> Retrain()
    {
        using var activity = InsidersTelemetry.ActivitySource.StartActivity("insiders.retrain");
        try
        {
            var result = await RetrainCoreAsync();
            if (result.Skipped is null)
            {
                metrics.Retrained(result.Snapshot + result.Fit + result.Reclassify);
                activity?.SetTag("insiders.model.version", result.Version);
                activity?.SetTag("insiders.model.k", result.K);
            }
            else
            {
                metrics.RetrainSkipped();
                activity?.SetTag("insiders.retrain.skipped", result.Skipped);
            }

            return result;
        }
        catch (Exception e)
        {
            metrics.RetrainFailed();
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }

    private async Task<RetrainResult> RetrainCoreAsync()
    {
        var total = Stopwatch.StartNew();
        var asOf = ClockDate();
        // The clock this retrain covers. AdvanceClock interleaves with the fit: lines arriving meanwhile are not in the
        // snapshot, so the next scheduled tick must still see them as new.
        var covered = state.State.LatestEvent;
        var shards = Enumerable.Range(0, options.Value.Shards).Select(i => GrainFactory.GetGrain<IFeatureShardGrain>(i)).ToArray();
        var snapshots = await Task.WhenAll(shards.Select(s => s.Features(asOf)));
        var rows = new List<CustomerFeatures>(snapshots.Sum(s => s.Value.Length));
        foreach (var snapshot in snapshots)
        {
            rows.AddRange(snapshot.Value);
        }

        var snapshotTime = total.Elapsed;

        var previous = state.State.Model;
        var version = (previous?.Version ?? 0) + 1;
        var trainer = new SegmentTrainer(segmentation.Value);
        LogFitting(logger, version, rows.Count, asOf);
        SegmentModel model;
        try
        {
            // CPU-bound and touches no grain state: off the Orleans scheduler and off the thread pool, on threads below
            // normal priority, so that lookups and ingestion meanwhile get the cores first (docs/benchmarks.md).
            model = await fitThreads.RunAsync(() => trainer.Train(rows, asOf, version, time.GetUtcNow(), previous));
        }
        catch (InvalidOperationException e)
        {
            LogSkipped(logger, e.Message);
            return new RetrainResult(previous?.Version ?? 0, asOf, 0, 0, 0, 0, SweepResult.Empty, snapshotTime, TimeSpan.Zero, TimeSpan.Zero, e.Message);
        }

        var fitTime = total.Elapsed - snapshotTime;
        // The commit point: one state write. A crash before it keeps the previous model; after it, the sweep is finished
        // by the next activation (SweptVersion stays behind until the sweep is done).
        state.State.Model = model;
        state.State.LatestEventAtLastRetrain = covered;
        await state.WriteStateAsync();
        _clockDirty = false;
        models.Install(model);
        var sweep = await RecordAndSweepAsync(model, asOf);
        var reclassifyTime = total.Elapsed - snapshotTime - fitTime;
        LogRetrained(
            logger, model.Version, asOf, model.Customers, model.K, model.Silhouette, model.InsiderCustomers, sweep.Entered, sweep.Left, sweep.Called, total.ElapsedMilliseconds,
            (long)snapshotTime.TotalMilliseconds, (long)fitTime.TotalMilliseconds, (long)reclassifyTime.TotalMilliseconds,
            (long)sweep.Classify.TotalMilliseconds, (long)sweep.Calls.TotalMilliseconds, (long)sweep.Save.TotalMilliseconds);
        return new RetrainResult(model.Version, asOf, model.Customers, model.K, model.Silhouette, model.InsiderCustomers, sweep, snapshotTime, fitTime, reclassifyTime, null);
    }

    /// <summary>Persists the clock if it moved (called at ingestion checkpoints).</summary>
    public async Task Flush()
    {
        if (_clockDirty)
        {
            await state.WriteStateAsync();
            _clockDirty = false;
        }
    }

    private async Task<SweepResult> RecordAndSweepAsync(SegmentModel model, DateOnly asOf)
    {
        await readModel.RecordModelAsync(model);
        LogSweeping(logger, model.Version, options.Value.Shards);
        var shards = Enumerable.Range(0, options.Value.Shards).Select(i => GrainFactory.GetGrain<IFeatureShardGrain>(i));
        var sweeps = await Task.WhenAll(shards.Select(s => s.Sweep(model, asOf)));
        var sweep = sweeps.Aggregate(SweepResult.Empty, (a, b) => a.Add(b));
        state.State.SweptVersion = model.Version;
        await state.WriteStateAsync();
        _clockDirty = false;
        return sweep;
    }

    private async Task ResumeSweepAsync(CancellationToken cancellationToken)
    {
        if (state.State.Model is not { } model || state.State.SweptVersion >= model.Version)
        {
            StopResuming();
            return;
        }

        LogResuming(logger, model.Version);
        try
        {
            // The clock of the interrupted retrain: the model's own date, so every shard classifies as the sweep would have.
            var sweep = await RecordAndSweepAsync(model, model.AsOf);
            LogResumed(logger, model.Version, sweep.Entered, sweep.Left);
            StopResuming();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogResumeFailed(logger, e, model.Version, s_resumeRetry.TotalSeconds);
        }
    }

    private void StopResuming()
    {
        _resume?.Dispose();
        _resume = null;
    }

    private async Task OnTimerAsync()
    {
        if (state.State.Model is not null && state.State.LatestEvent == state.State.LatestEventAtLastRetrain && options.Value.Clock == ClockMode.EventTime)
        {
            return; // nothing new arrived and the event clock did not move
        }

        state.State.ScheduledRetrains++;
        LogScheduled(logger, RuntimeIdentity, state.State.ScheduledRetrains);
        await Retrain();
    }

    private DateOnly ClockDate() =>
        options.Value.Clock == ClockMode.EventTime && state.State.LatestEvent is { } latest
            ? DateOnly.FromDateTime(latest)
            : DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Model v{Version} as of {AsOf}: {Customers} customers, K={K}, silhouette {Silhouette:F3}, {Insiders} Insiders; sweep: {Entered} entered, {Left} left, {Called} called; {Elapsed} ms (snapshot {SnapshotMs}, fit {FitMs}, sweep {SweepMs}: classify {ClassifyMs}, calls {CallsMs}, save {SaveMs} in the slowest shard)")]
    private static partial void LogRetrained(
        ILogger logger, long version, DateOnly asOf, int customers, int k, double silhouette, int insiders, int entered, int left, int called, long elapsed,
        long snapshotMs, long fitMs, long sweepMs, long classifyMs, long callsMs, long saveMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Scheduled retrain #{Count} on {Silo}")]
    private static partial void LogScheduled(ILogger logger, string silo, long count);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Retraining v{Version}: fitting {Customers} customers as of {AsOf}")]
    private static partial void LogFitting(ILogger logger, long version, int customers, DateOnly asOf);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Published model v{Version}; sweeping {Shards} shards")]
    private static partial void LogSweeping(ILogger logger, long version, int shards);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Model v{Version} was published but its sweep did not finish (the silo running it died); finishing it")]
    private static partial void LogResuming(ILogger logger, long version);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Finished the interrupted sweep of model v{Version}: {Entered} entered, {Left} left")]
    private static partial void LogResumed(ILogger logger, long version, int entered, int left);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Finishing the sweep of model v{Version} failed; retrying in {Seconds} s")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception, long version, double seconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Retrain skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);
}
