using System.Diagnostics;
using Insiders.Clustering;
using Insiders.Customers;
using Insiders.Features;
using Insiders.Infrastructure;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Insiders.Segmentation;

/// <summary>
/// Keeps the newest report of each customer hashed to this shard. The coordinator snapshots all shards instead of
/// enumerating customers; a sweep reclassifies in bulk and calls only the customers whose Insider flag flips.
/// </summary>
/// <remarks>
/// Stored as segments: each flush writes the reports changed since the previous one into a free slot (grain state
/// "shard-segment-N" of the same grain storage), then the manifest ("shard") that lists the slots in order. When the
/// segments would hold more than twice as many reports as the shard has customers, or slots run short, the flush
/// compacts: one segment with every report, listed alone. So a checkpoint under light traffic writes what changed, not
/// the whole shard (at 100,000 customers, 1,000 changed lines: see docs/benchmarks.md), and reading a shard back reads
/// at most about twice its size. A segment written but not yet listed (the silo died in between) is ignored.
/// </remarks>
public sealed class FeatureShardGrain(
    [PersistentState("shard", InsidersNames.Storage)] IPersistentState<FeatureShardState> manifest,
    [FromKeyedServices(InsidersNames.Storage)] IGrainStorage storage,
    IOptions<InsidersOptions> options,
    IReadModelStore readModel,
    ModelCache models) : Grain, IFeatureShardGrain
{
    /// <summary>Segment slots per shard.</summary>
    internal const int SegmentSlots = 8;

    private readonly Guid _activation = Guid.NewGuid();

    // Each slot's ETag, once read or written (the reports themselves are not kept here); a slot this activation has not
    // seen is read before its first write.
    private readonly GrainState<FeatureShardSegment>?[] _slots = new GrainState<FeatureShardSegment>?[SegmentSlots];

    // The live reports. Report interleaves with everything else (it never awaits), so a flush writes copies of these
    // (the storage provider serialises after its own awaits) and takes the sets of changed ids before it awaits.
    private Dictionary<string, CustomerReport> _customers = new(StringComparer.Ordinal);
    private HashSet<string> _changed = new(StringComparer.Ordinal); // for the read model
    private HashSet<string> _unsaved = new(StringComparer.Ordinal); // for the next segment
    private int _stored; // reports in the listed segments, repeats included

    internal static string SegmentName(int slot) => $"shard-segment-{slot}";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _customers = new Dictionary<string, CustomerReport>(manifest.State.Customers, StringComparer.Ordinal);
        foreach (var slot in manifest.State.Segments)
        {
            var reports = await ReadSlotAsync(slot);
            foreach (var (id, report) in reports)
            {
                _customers[id] = report;
            }

            _stored += reports.Count;
        }

        if (manifest.State.Customers.Count > 0)
        {
            _unsaved.UnionWith(_customers.Keys); // stored before segments: rewritten by the next flush
        }

        await base.OnActivateAsync(cancellationToken);
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
        var started = Stopwatch.GetTimestamp();
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

        var classify = Stopwatch.GetElapsedTime(started);

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

        var calls = Stopwatch.GetElapsedTime(started) - classify;
        await Flush(); // a sweep is rare: its outcome is persisted (and reaches the read model) right away
        var save = Stopwatch.GetElapsedTime(started) - classify - calls;
        return new SweepResult(customers, toCall.Count + relabelled.Count, entered, left, toCall.Count, classify, calls, save);
    }

    // Everything reported before this call is persisted when it returns; reports that arrive while it writes are
    // left for the next flush.
    public async Task<Guid> Flush()
    {
        if (_unsaved.Count > 0)
        {
            await SaveAsync();
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

    // Writes the unsaved reports as a new segment (or every report, compacting), then the manifest that lists it.
    private async Task SaveAsync()
    {
        var unsaved = _unsaved;
        _unsaved = new HashSet<string>(StringComparer.Ordinal);
        var listed = manifest.State.Segments;
        var free = Enumerable.Range(0, SegmentSlots).Where(slot => !listed.Contains(slot)).ToList();
        var compact = manifest.State.Customers.Count > 0 || free.Count <= 1 || _stored + unsaved.Count > 2 * _customers.Count;
        var reports = compact
            ? new Dictionary<string, CustomerReport>(_customers, StringComparer.Ordinal)
            : unsaved.ToDictionary(id => id, id => _customers[id], StringComparer.Ordinal);
        var slot = free[0];
        var previous = manifest.State;
        var written = false;
        try
        {
            var segment = await SlotForWriteAsync(slot);
            segment.State = new FeatureShardSegment { Customers = reports };
            await storage.WriteStateAsync(SegmentName(slot), this.GetGrainId(), segment);
            written = true;
            segment.State = new FeatureShardSegment(); // only its ETag is kept
            manifest.State = new FeatureShardState { Segments = compact ? [slot] : [.. listed, slot] };
            await manifest.WriteStateAsync();
        }
        catch
        {
            if (!written)
            {
                _slots[slot] = null; // whether the write reached storage is unknown: its ETag is read again before the next one
            }

            manifest.State = previous;
            _unsaved.UnionWith(unsaved);
            throw;
        }

        _stored = compact ? reports.Count : _stored + reports.Count;
        if (compact)
        {
            // The slots no longer listed keep stale reports nobody reads: cleared to give the space back. Should a clear
            // fail, the slot is read again (for its ETag) before it is next written.
            foreach (var old in listed)
            {
                try
                {
                    await storage.ClearStateAsync(SegmentName(old), this.GetGrainId(), _slots[old]!);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _slots[old] = null;
                }
            }
        }
    }

    // Reads a slot's reports; the slot keeps only its ETag (superseded reports are not held in memory).
    private async Task<Dictionary<string, CustomerReport>> ReadSlotAsync(int slot)
    {
        var state = new GrainState<FeatureShardSegment>(new FeatureShardSegment());
        await storage.ReadStateAsync(SegmentName(slot), this.GetGrainId(), state);
        var reports = state.State?.Customers ?? [];
        state.State = new FeatureShardSegment();
        _slots[slot] = state;
        return reports;
    }

    // A slot about to be written: its ETag, read first if this activation has not read or written it.
    private async Task<GrainState<FeatureShardSegment>> SlotForWriteAsync(int slot)
    {
        if (_slots[slot] is null)
        {
            await ReadSlotAsync(slot);
        }

        return _slots[slot]!;
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
            _unsaved.Add(id);
            _changed.Add(id);
        }
    }
}
