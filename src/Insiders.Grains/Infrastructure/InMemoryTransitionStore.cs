using Insiders.Customers;
using Insiders.Telemetry;

namespace Insiders.Infrastructure;

/// <summary>Transition store for tests and throwaway runs: same idempotency rule as the database stores.</summary>
public sealed class InMemoryTransitionStore(InsidersMetrics? metrics = null) : IInsiderTransitionStore
{
    private readonly Lock _lock = new();
    private readonly HashSet<(string, long)> _keys = [];
    private readonly List<InsiderTransition> _log = [];

    public Task RecordAsync(IReadOnlyList<InsiderTransition> transitions, CancellationToken cancellationToken = default)
    {
        int entries = 0, exits = 0;
        lock (_lock)
        {
            foreach (var t in transitions)
            {
                if (_keys.Add((t.CustomerId, t.Sequence)))
                {
                    _log.Add(t);
                    if (t.Entered)
                    {
                        entries++;
                    }
                    else
                    {
                        exits++;
                    }
                }
            }
        }

        metrics?.TransitionsRecorded(entries, exits);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(long Cursor, InsiderTransition Transition)>> ReadAsync(long afterCursor, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<(long, InsiderTransition)> page = _log
                .Select((t, i) => ((long)i + 1, t))
                .Where(p => p.Item1 > afterCursor)
                .Take(limit)
                .ToList();
            return Task.FromResult(page);
        }
    }
}
