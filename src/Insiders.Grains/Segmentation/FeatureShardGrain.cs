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
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private bool _dirty;

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
        var rows = new List<CustomerFeatures>(state.State.Customers.Count);
        foreach (var report in state.State.Customers.Values)
        {
            if (report.History.FeaturesAt(asOf) is { } features)
            {
                rows.Add(features);
            }
        }

        return Task.FromResult(rows.ToArray().AsImmutable());
    }

    public Task<Immutable<CustomerReport[]>> Reports() =>
        Task.FromResult(state.State.Customers.Values.ToArray().AsImmutable());

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
        foreach (var (id, report) in state.State.Customers)
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

        foreach (var chunk in toCall.Chunk(options.Value.Parallelism))
        {
            var window = chunk.Select(id => GrainFactory.Customer(id).Reclassify(model.Version, asOf));
            foreach (var updated in await Task.WhenAll(window))
            {
                var before = state.State.Customers[updated.History.CustomerId].IsInsider == true;
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
        }

        await Flush(); // a sweep is rare: its outcome is persisted (and reaches the read model) right away
        return new SweepResult(customers, toCall.Count + relabelled.Count, entered, left, toCall.Count);
    }

    public async Task<Guid> Flush()
    {
        if (_dirty)
        {
            await state.WriteStateAsync();
            _dirty = false;
        }

        if (_changed.Count > 0)
        {
            await models.GetAsync(); // the clock as the cluster knows it, not only as this silo has seen it
            var clock = models.Clock;
            await readModel.UpsertCustomersAsync(_changed.Select(id => state.State.Customers[id]).ToArray(), clock);
            _changed.Clear();
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
        var customers = state.State.Customers;
        var id = report.History.CustomerId;
        if (!customers.TryGetValue(id, out var existing) || report.Supersedes(existing))
        {
            customers[id] = report;
            _dirty = true;
            _changed.Add(id);
        }
    }
}
