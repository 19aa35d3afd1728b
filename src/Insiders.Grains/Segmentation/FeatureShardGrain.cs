using Insiders.Clustering;
using Insiders.Customers;
using Insiders.Features;
using Insiders.Infrastructure;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Insiders.Segmentation;

/// <summary>
/// Keeps the newest report of each customer hashed to this shard. The coordinator snapshots all shards instead of
/// enumerating customers; a sweep reclassifies in bulk and calls only the customers whose Insider flag flips.
/// </summary>
public sealed class FeatureShardGrain(
    [PersistentState("shard", InsidersNames.Storage)] IPersistentState<FeatureShardState> state,
    IOptions<InsidersOptions> options,
    IReadModelStore readModel,
    ModelCache models) : Grain, IFeatureShardGrain
{
    private readonly Guid _activation = Guid.NewGuid();

    // The live reports. Report interleaves with everything else (it never awaits), so a flush writes a copy of this
    // (the storage provider serialises after its own awaits) and takes the set of changed ids before it awaits.
    private Dictionary<string, CustomerReport> _customers = new(StringComparer.Ordinal);
    private HashSet<string> _changed = new(StringComparer.Ordinal);
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _customers = new Dictionary<string, CustomerReport>(state.State.Customers, StringComparer.Ordinal);
        return base.OnActivateAsync(cancellationToken);
    }

    public Task<Guid> Report(Immutable<CustomerReport[]> reports)
    {
        foreach (var report in reports.Value)
        {
            Upsert(report);
        }

        return Task.FromResult(_activation);
    }

    public Task<Immutable<CustomerFeatures[]>> Features(DateOnly asOf)
    {
        var rows = new List<CustomerFeatures>(_customers.Count);
        foreach (var report in _customers.Values)
        {
            if (report.History.FeaturesAt(asOf) is { } features)
            {
                rows.Add(features);
            }
        }

        return Task.FromResult(rows.ToArray().AsImmutable());
    }

    public Task<Immutable<CustomerReport[]>> Reports() =>
        Task.FromResult(_customers.Values.ToArray().AsImmutable());

    public async Task<SweepResult> Sweep(SegmentModel model, DateOnly asOf)
    {
        // Only the customers whose Insider flag the model flips are called: each records its entry or exit (with its own
        // sequence) and persists it now. A customer whose segment alone changes is relabelled here, in the shard's
        // report (what lists, exports and the read model show), keeping its flag; its grain reclassifies itself on its
        // next event or lookup, from the same flag, to the same assignment. So a retrain activates and writes only the
        // customers who enter or leave, also the first model (which classifies everyone).
        var toCall = new List<string>();
        var relabelled = new List<CustomerReport>();
        int customers = 0, entered = 0, left = 0;
        foreach (var (id, report) in _customers)
        {
            if (report.History.FeaturesAt(asOf) is not { } features)
            {
                continue;
            }

            customers++;
            if (report.ModelVersion == model.Version)
            {
                continue; // already classified by this model (its grain did, on an event)
            }

            var assignment = model.Classify(features, report.IsInsider);
            if (assignment.IsInsider != (report.IsInsider == true))
            {
                toCall.Add(id);
            }
            else if (assignment.SegmentId != report.SegmentId)
            {
                // Never classified (null) stays null: not an Insider, and the grain's first classification is the
                // plain nearest centre, as this one was.
                relabelled.Add(report with { ModelVersion = model.Version, SegmentId = assignment.SegmentId });
            }
        }

        foreach (var report in relabelled)
        {
            Upsert(report);
        }

        // A sliding window (not chunks that each wait for their slowest call). Should a call fail, nothing of this
        // sweep is kept here: the coordinator sweeps again, and a customer already reclassified answers the same.
        var reclassified = await CallWindow.ForEachAsync(toCall, id => GrainFactory.Customer(id).Reclassify(model.Version, asOf), options.Value.Parallelism);
        foreach (var updated in reclassified)
        {
            var before = _customers[updated.History.CustomerId].IsInsider == true;
            if (updated.IsInsider == true && !before)
            {
                entered++;
            }
            else if (updated.IsInsider != true && before)
            {
                left++;
            }

            Upsert(updated);
        }

        await Flush(); // a sweep is rare: its outcome is persisted (and reaches the read model) right away
        return new SweepResult(customers, toCall.Count + relabelled.Count, entered, left, toCall.Count);
    }

    // Everything reported before this call is persisted when it returns; reports that arrive while it writes are
    // left dirty for the next flush.
    public async Task<Guid> Flush()
    {
        if (_dirty)
        {
            _dirty = false;
            state.State = new FeatureShardState { Customers = new Dictionary<string, CustomerReport>(_customers, StringComparer.Ordinal) };
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                _dirty = true;
                throw;
            }
        }

        if (_changed.Count > 0)
        {
            var changed = _changed;
            _changed = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                await models.GetAsync(); // the clock as the cluster knows it, not only as this silo has seen it
                await readModel.UpsertCustomersAsync(changed.Select(id => _customers[id]).ToArray(), models.Clock);
            }
            catch
            {
                _changed.UnionWith(changed);
                throw;
            }
        }

        return _activation;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await Flush();
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    private void Upsert(CustomerReport report)
    {
        var id = report.History.CustomerId;
        if (!_customers.TryGetValue(id, out var existing) || report.Supersedes(existing))
        {
            _customers[id] = report;
            _dirty = true;
            _changed.Add(id);
        }
    }
}
