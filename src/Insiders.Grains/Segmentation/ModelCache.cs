using Insiders.Clustering;
using Microsoft.Extensions.Options;

namespace Insiders.Segmentation;

/// <summary>
/// Per-silo copy of the current model and clock. Customer grains read it locally; it asks the coordinator at most
/// once per <see cref="InsidersOptions.ModelRefreshInterval"/> (one call in flight, shared by all grains), so the
/// coordinator is never on the per-event path.
/// </summary>
public sealed class ModelCache(IGrainFactory grains, IOptions<InsidersOptions> options, TimeProvider time)
{
    private readonly InsidersOptions _options = options.Value;
    private readonly Lock _lock = new();
    private SegmentModel? _model;
    private ModelPointer? _pointer;
    private DateTime? _latestLocalEvent;
    private long _lastRefreshTicks;
    private bool _refreshed;
    private Task? _refresh;

    public SegmentModel? Current => _model;

    /// <summary>The clock date: today (wall clock mode) or the latest InvoiceDate seen (event time mode).</summary>
    public DateOnly Clock
    {
        get
        {
            if (_options.Clock == ClockMode.Wall)
            {
                return DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            }

            // A model's as-of date is event time too: a silo that has seen neither events nor the pointer yet (just
            // started) must not fall back to the wall clock while it holds a model (that would age every customer).
            var latest = Max(Max(_latestLocalEvent, _pointer?.LatestEvent), _model?.AsOf.ToDateTime(TimeOnly.MinValue));
            return latest is { } l ? DateOnly.FromDateTime(l) : DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        }
    }

    /// <summary>Records that this silo has seen an event at <paramref name="invoiceDate"/> (moves the event clock forward).</summary>
    public void ObserveEvent(DateTime invoiceDate)
    {
        lock (_lock)
        {
            _latestLocalEvent = Max(_latestLocalEvent, invoiceDate);
        }
    }

    /// <summary>Moves the event clock to at least <paramref name="date"/> (a sweep's clock date).</summary>
    public void ObserveClock(DateOnly date) => ObserveEvent(date.ToDateTime(TimeOnly.MinValue));

    /// <summary>The current model, refreshed from the coordinator when the refresh interval has passed.</summary>
    public async ValueTask<SegmentModel?> GetAsync()
    {
        // Never refreshed yet (a silo that just started and hosts neither the coordinator nor a swept customer) counts
        // as due: its first customers must see the current model, not none.
        var due = !Volatile.Read(ref _refreshed) || time.GetElapsedTime(Volatile.Read(ref _lastRefreshTicks)) > _options.ModelRefreshInterval;
        if (due)
        {
            await RefreshAsync();
        }

        return _model;
    }

    /// <summary>A model at least as new as <paramref name="minVersion"/> (fetches it now if this silo is behind).</summary>
    public async ValueTask<SegmentModel?> EnsureAsync(long minVersion)
    {
        if (_model is null || _model.Version < minVersion)
        {
            await RefreshAsync();
        }

        return _model;
    }

    /// <summary>Installs a model directly (the coordinator's own silo after a retrain).</summary>
    public void Install(SegmentModel model)
    {
        lock (_lock)
        {
            if (_model is null || model.Version > _model.Version)
            {
                _model = model;
                _latestLocalEvent = Max(_latestLocalEvent, model.AsOf.ToDateTime(TimeOnly.MinValue));
            }
        }
    }

    private Task RefreshAsync()
    {
        lock (_lock)
        {
            return _refresh ??= RefreshCoreAsync();
        }
    }

    private async Task RefreshCoreAsync()
    {
        try
        {
            var coordinator = grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);
            var pointer = await coordinator.GetModelVersion();
            _pointer = pointer;
            if (pointer.Version > 0 && (_model is null || _model.Version < pointer.Version))
            {
                var model = await coordinator.GetModel();
                if (model is not null)
                {
                    Install(model);
                }
            }

            Volatile.Write(ref _lastRefreshTicks, time.GetTimestamp());
            Volatile.Write(ref _refreshed, true);
        }
        finally
        {
            lock (_lock)
            {
                _refresh = null;
            }
        }
    }

    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
