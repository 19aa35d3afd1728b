using System.Diagnostics;
using Insiders.Clustering;
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
/// </summary>
public sealed partial class SegmentationCoordinatorGrain(
    [PersistentState("coordinator", InsidersNames.Storage)] IPersistentState<CoordinatorState> state,
    IOptions<InsidersOptions> options,
    IOptions<SegmentationOptions> segmentation,
    ModelCache models,
    IReadModelStore readModel,
    InsidersMetrics metrics,
    TimeProvider time,
    ILogger<SegmentationCoordinatorGrain> logger) : Grain, ISegmentationCoordinatorGrain, IRemindable
{
    public const string ReminderName = "retrain";

    private bool _clockDirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Model is { } model)
        {
            models.Install(model);
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
        var shards = Enumerable.Range(0, options.Value.Shards).Select(i => GrainFactory.GetGrain<IFeatureShardGrain>(i)).ToArray();
        var snapshots = await Task.WhenAll(shards.Select(s => s.Snapshot()));
        var histories = snapshots.SelectMany(s => s.Value).ToArray();
        var snapshotTime = total.Elapsed;

        var previous = state.State.Model;
        var version = (previous?.Version ?? 0) + 1;
        var trainer = new SegmentTrainer(segmentation.Value);
        SegmentModel model;
        try
        {
            // CPU-bound and touches no grain state: off the Orleans scheduler.
            model = await Task.Run(() => trainer.Train(histories, asOf, version, time.GetUtcNow(), previous));
        }
        catch (InvalidOperationException e)
        {
            LogSkipped(logger, e.Message);
            return new RetrainResult(previous?.Version ?? 0, asOf, 0, 0, 0, 0, SweepResult.Empty, snapshotTime, TimeSpan.Zero, TimeSpan.Zero, e.Message);
        }

        var fitTime = total.Elapsed - snapshotTime;
        state.State.Model = model;
        state.State.LatestEventAtLastRetrain = state.State.LatestEvent;
        await state.WriteStateAsync();
        _clockDirty = false;
        models.Install(model);
        await readModel.RecordModelAsync(model);

        var sweeps = await Task.WhenAll(shards.Select(s => s.Sweep(model, asOf)));
        var sweep = sweeps.Aggregate(SweepResult.Empty, (a, b) => a.Add(b));
        var reclassifyTime = total.Elapsed - snapshotTime - fitTime;
        LogRetrained(logger, model.Version, asOf, model.Customers, model.K, model.Silhouette, model.InsiderCustomers, sweep.Entered, sweep.Left, total.ElapsedMilliseconds);
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
        Message = "Model v{Version} as of {AsOf}: {Customers} customers, K={K}, silhouette {Silhouette:F3}, {Insiders} Insiders; sweep: {Entered} entered, {Left} left; {Elapsed} ms")]
    private static partial void LogRetrained(ILogger logger, long version, DateOnly asOf, int customers, int k, double silhouette, int insiders, int entered, int left, long elapsed);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Scheduled retrain #{Count} on {Silo}")]
    private static partial void LogScheduled(ILogger logger, string silo, long count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Retrain skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);
}
