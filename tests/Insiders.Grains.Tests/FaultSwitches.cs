using System.Collections.Concurrent;
using Insiders.Customers;
using Insiders.Infrastructure;
using Orleans.Storage;

namespace Insiders.Tests;

/// <summary>
/// Failures the grain tests switch on for one customer at a time: its grain-state writes, or the recording of its
/// transitions; and, for any one grain, state writes that fail or wait until the test lets them through. Everything
/// else passes through to the fixture's memory storage and transition store.
/// </summary>
public static class FaultSwitches
{
    private static readonly ConcurrentDictionary<string, bool> s_failWrites = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, bool> s_failRecords = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<GrainId, bool> s_failGrainWrites = new();
    private static readonly ConcurrentDictionary<GrainId, HeldWrites> s_heldWrites = new();

    /// <summary>State writes of <paramref name="grain"/> wait (each signals <see cref="HeldWrites.Started"/>) until released.</summary>
    public static HeldWrites HoldStateWrites(GrainId grain) => s_heldWrites[grain] = new HeldWrites(grain);

    /// <summary>State writes of <paramref name="grain"/> throw while on.</summary>
    public static void FailStateWrites(GrainId grain, bool fail) => Set(s_failGrainWrites, grain, fail);

    public sealed class HeldWrites(GrainId grain)
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Released => _release.Task;

        /// <summary>Lets the held write (and later ones) through.</summary>
        public void Release()
        {
            s_heldWrites.TryRemove(grain, out _);
            _release.TrySetResult();
        }
    }

    public static void FailStateWrites(string customerId, bool fail) => Set(s_failWrites, customerId, fail);

    public static void FailTransitionRecords(string customerId, bool fail) => Set(s_failRecords, customerId, fail);

    private static void Set<TKey>(ConcurrentDictionary<TKey, bool> switches, TKey key, bool fail)
        where TKey : notnull
    {
        if (fail)
        {
            switches[key] = true;
        }
        else
        {
            switches.TryRemove(key, out _);
        }
    }

    /// <summary>Grain storage that throws on writes of switched customers' grains.</summary>
    public sealed class Storage(IGrainStorage inner) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var key = grainId.Key.ToString();
            if (s_failGrainWrites.ContainsKey(grainId) || s_failWrites.Keys.Any(id => key.Contains(id, StringComparison.Ordinal)))
            {
                throw new IOException($"injected state-write failure for {grainId}");
            }

            if (s_heldWrites.TryGetValue(grainId, out var held))
            {
                held.Started.TrySetResult();
                await held.Released;
            }

            await inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);
    }

    /// <summary>Transition store that throws when a batch holds a switched customer's transition.</summary>
    public sealed class Transitions(IInsiderTransitionStore inner) : IInsiderTransitionStore
    {
        public Task RecordAsync(IReadOnlyList<InsiderTransition> transitions, CancellationToken cancellationToken = default) =>
            transitions.Any(t => s_failRecords.ContainsKey(t.CustomerId))
                ? throw new IOException("injected transition-store failure")
                : inner.RecordAsync(transitions, cancellationToken);

        public Task<IReadOnlyList<(long Cursor, InsiderTransition Transition)>> ReadAsync(long afterCursor, int limit, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(afterCursor, limit, cancellationToken);
    }
}
