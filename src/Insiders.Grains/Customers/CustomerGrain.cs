using Insiders.Clustering;
using Insiders.Features;
using Insiders.Infrastructure;
using Insiders.Segmentation;
using Insiders.Transactions;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Insiders.Customers;

/// <summary>
/// One customer. Applies its lines (idempotent by line id, any order), classifies itself against the newest model
/// (on each event, on lookup, or when a sweep asks), and records each Insider entry or exit once.
/// State is written behind: on <see cref="Rewrite"/> (the ingestion checkpoint), on <see cref="Flush"/> (a sweep) and on
/// deactivation. A customer written while idle (<see cref="InsidersOptions.CustomerIdleDeactivation"/>) deactivates
/// after the write.
/// </summary>
public sealed class CustomerGrain(
    [PersistentState("customer", InsidersNames.CustomerStorage)] IPersistentState<CustomerState> state,
    ModelCache models,
    IInsiderTransitionStore transitions,
    InsiderFeed feed,
    IOptions<InsidersOptions> options,
    TimeProvider time) : Grain, ICustomerGrain
{
    private Guid _activation = Guid.NewGuid();
    private bool _dirty;

    // When this activation last served an event or a lookup; null: never (activated by a sweep or a checkpoint).
    private long? _lastUsed;

    private string Id => CustomerGrainKeys.CustomerIdOf(this.GetPrimaryKeyString());

    private CustomerState S => state.State;

    public async Task<CustomerReport> Apply(Immutable<TransactionLine[]> lines)
    {
        _lastUsed = time.GetTimestamp();
        var applied = 0;
        foreach (var line in lines.Value)
        {
            if (S.Ledger.Apply(line))
            {
                applied++;
            }
        }

        if (applied > 0)
        {
            Touch();
        }

        var model = await CurrentModelAsync();
        var history = S.Ledger.ToHistory(Id);
        if (model is not null && (applied > 0 || model.Version != S.ModelVersion))
        {
            Classify(model, history);
        }

        return Report(history, applied);
    }

    public async Task<CustomerStatus> GetStatus()
    {
        _lastUsed = time.GetTimestamp();
        var history = S.Ledger.ToHistory(Id);
        var model = await CurrentModelAsync();
        Assignment? why = null;
        if (model is not null)
        {
            why = Classify(model, history);
        }

        if (S.Pending.Count > 0)
        {
            await RecordLookupFlipAsync(history);
        }

        var asOf = ClockFor(history);
        return new CustomerStatus(
            Id,
            S.Ledger.LineCount > 0,
            asOf,
            history.FeaturesAt(asOf),
            S.ModelVersion,
            S.SegmentId,
            S.IsInsider == true,
            S.InsiderSince,
            S.StatusSince,
            why,
            S.Ledger.LineCount);
    }

    // A lookup flipped the Insider flag (the clock moved on since the last event or sweep): the entry or exit is recorded
    // now, as a sweep's is, and the shard's report follows, so lists and exports agree with it; otherwise both would wait
    // for this customer's next write, however long that takes. A write that finds this activation stale reloads the
    // stored state (the next event or lookup decides again). Should storage be unavailable, the lookup still answers and
    // the transition stays pending for the next write.
    private async Task RecordLookupFlipAsync(CustomerHistory history)
    {
        try
        {
            if (await WriteAsync())
            {
                await GrainFactory.GetGrain<IFeatureShardGrain>(InsidersOptions.ShardOf(Id, options.Value.Shards)).Report(new[] { Report(history, 0) }.AsImmutable());
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Left pending: recorded by the next checkpoint, sweep or deactivation that writes this customer.
        }
    }

    // The silo's model, but never one older than this customer's classification: a customer reactivated on a silo whose
    // model cache lags behind must not be classified backwards (and record an entry or exit under an old version).
    private async ValueTask<SegmentModel?> CurrentModelAsync()
    {
        var model = await models.GetAsync();
        return model is not null && model.Version < S.ModelVersion ? await models.EnsureAsync(S.ModelVersion) : model;
    }

    public async Task<CustomerReport> Reclassify(long modelVersion, DateOnly asOf)
    {
        models.ObserveClock(asOf);
        var model = await models.EnsureAsync(modelVersion);
        var history = S.Ledger.ToHistory(Id);
        if (model is not null)
        {
            Classify(model, history);
        }

        // A sweep-driven change is recorded (transition + state) now, not at the next ingestion checkpoint.
        await Flush();
        return Report(history, 0);
    }

    /// <summary>
    /// Writes the state, then records the transitions it carries (an outbox): a transition is recorded only once a
    /// stored state contains it, so an activation that dies (or loses a write race) between deciding a transition and
    /// writing its state leaves no entry or exit behind that the customer's stored status contradicts. Transitions
    /// written but not yet recorded are recorded by the next flush or the next activation (idempotent by sequence).
    /// </summary>
    public async Task<Guid> Flush()
    {
        if (await WriteAsync())
        {
            DeactivateIfIdle();
        }

        return _activation;
    }

    public Task<Guid> Rewrite()
    {
        _dirty = true;
        return Flush();
    }

    // Writes the state if it changed, then records the pending transitions; false when this activation's state turned
    // out stale (it then holds the stored state under a new activation id). Transitions still pending after their
    // state was written (recording them failed) are recorded only after another write has confirmed that the stored
    // version is this activation's: the earlier write may have been lost with the database server (asynchronous commit).
    private async Task<bool> WriteAsync()
    {
        if (_dirty || S.Pending.Count > 0)
        {
            try
            {
                await state.WriteStateAsync();
            }
            catch (Orleans.Storage.InconsistentStateException)
            {
                // Another activation of this customer wrote first (a duplicate activation while membership settled after
                // a silo failure): this one's state, and the transitions it decided, are stale and dropped. It takes the
                // stored state and answers with a new activation id, so each pipeline sees a lost activation and
                // delivers its lines since the checkpoint again; the lines the stored state lacks are applied then (the
                // rest are known by id) and written with the fresh version.
                await state.ReadStateAsync();
                _activation = Guid.NewGuid();
                _dirty = false;
                await RecordPendingAsync();
                return false;
            }

            _dirty = false;
        }

        await RecordPendingAsync();
        return true;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The previous activation wrote transitions with its state but died before recording them.
        await RecordPendingAsync();
        await base.OnActivateAsync(cancellationToken);
    }

    // The stored state may still list transitions recorded here until its next write: recording them again is harmless.
    private async Task RecordPendingAsync()
    {
        if (S.Pending.Count > 0)
        {
            await transitions.RecordAsync(S.Pending);
            S.Pending.Clear();
        }
    }

    // Everything is written: an idle customer leaves memory (the next call reads it back). Its activation id still
    // answers this call, so whoever flushed it sees no lost activation.
    private void DeactivateIfIdle()
    {
        var idle = options.Value.CustomerIdleDeactivation;
        if (idle > TimeSpan.Zero && (_lastUsed is not { } used || time.GetElapsedTime(used) >= idle))
        {
            this.DeactivateOnIdle();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await WriteAsync();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private DateOnly ClockFor(CustomerHistory history)
    {
        var clock = models.Clock;
        return history.LastActivity is { } last && last > clock ? last : clock;
    }

    // Classifies against the model at the clock date; records a transition when the Insider flag flips.
    private Assignment? Classify(SegmentModel model, CustomerHistory history)
    {
        // Never earlier than the model's own date: a lagging clock (a silo just started) would age the customer and
        // flip its status back and forth under one model version.
        var asOf = ClockFor(history);
        if (asOf < model.AsOf)
        {
            asOf = model.AsOf;
        }

        if (history.FeaturesAt(asOf) is not { } features)
        {
            return null; // only returns: never clustered
        }

        var assignment = model.Classify(features, S.IsInsider);
        var now = time.GetUtcNow();
        var changed = S.ModelVersion != model.Version || S.SegmentId != assignment.SegmentId || S.IsInsider != assignment.IsInsider;
        if (assignment.IsInsider != (S.IsInsider == true))
        {
            var transition = new InsiderTransition(Id, S.TransitionCount + 1, now, model.Version, S.SegmentId, assignment.SegmentId, assignment.IsInsider);
            S.TransitionCount++;
            S.Pending.Add(transition);
            S.InsiderSince = assignment.IsInsider ? now : null;
            feed.Publish(transition);
        }

        if (S.SegmentId != assignment.SegmentId)
        {
            S.StatusSince = now;
        }

        S.ModelVersion = model.Version;
        S.SegmentId = assignment.SegmentId;
        S.IsInsider = assignment.IsInsider;
        if (changed)
        {
            Touch();
        }

        return assignment;
    }

    private void Touch()
    {
        _dirty = true;
        S.Revision++;
    }

    private CustomerReport Report(CustomerHistory history, int applied) =>
        new(history, S.Revision, S.ModelVersion, S.SegmentId, S.IsInsider, applied, _activation, S.Ledger.LineCount);
}
