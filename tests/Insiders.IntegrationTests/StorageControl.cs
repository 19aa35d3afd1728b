using System.Globalization;
using Insiders.Storage;
using Insiders.Transactions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Runtime;
using Orleans.Storage;

namespace Insiders.Tests;

/// <summary>
/// Test control over what reaches the embedded database: <see cref="HoldNextWrite"/> makes the next grain-state write
/// of a state name wait until <see cref="Release"/> (the test learns whose write it is), and <see cref="Crash"/> stops
/// everything after that point from becoming durable (grain writes and journal checkpoints are dropped, as if the
/// process had been killed), while the host can still be stopped normally. <see cref="LoseCustomerWrites"/> makes customer
/// writes return as if committed while nothing is stored (a write committed asynchronously and lost with the database
/// server), and <see cref="FailPositions"/> makes recording a journal position fail.
/// </summary>
internal sealed class StorageControl
{
    private readonly Lock _sync = new();
    private TaskCompletionSource _release = NewSignal();
    private TaskCompletionSource<GrainId> _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _holdStateName;

    /// <summary>Whose write is held (since the last <see cref="HoldNextWrite"/>).</summary>
    public TaskCompletionSource<GrainId> Held
    {
        get
        {
            lock (_sync)
            {
                return _held;
            }
        }
    }

    public bool Crashed { get; private set; }

    private int _customerWrites;

    /// <summary>Customer state writes that went on to the storage (not held) so far.</summary>
    public int CustomerWrites => Volatile.Read(ref _customerWrites);

    private int _lostWrites;

    /// <summary>
    /// While on, a customer write stores nothing but returns as if it had: the grain's version moves on as the provider
    /// moves it (the stored one stays behind), as for a write whose asynchronous commit the database server lost.
    /// </summary>
    public bool LoseCustomerWrites { get; set; }

    /// <summary>Customer writes lost so far (see <see cref="LoseCustomerWrites"/>).</summary>
    public int LostWrites => Volatile.Read(ref _lostWrites);

    /// <summary>While on, recording a journal position (the end of a checkpoint) throws.</summary>
    public bool FailPositions { get; set; }

    /// <summary>Holds the next write of <paramref name="stateName"/> until <see cref="Release"/> (again after each release).</summary>
    public void HoldNextWrite(string stateName)
    {
        lock (_sync)
        {
            _holdStateName = stateName;
            if (_release.Task.IsCompleted)
            {
                _release = NewSignal();
                _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Release()
    {
        lock (_sync)
        {
            _release.TrySetResult();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Crash() => Crashed = true;

    /// <summary>Wraps the silo's grain storages <paramref name="names"/> and the journal with this control.</summary>
    public void Install(IServiceCollection services, params string[] names)
    {
        foreach (var name in names)
        {
            var storage = services.Single(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, name) && d.KeyedImplementationFactory is not null);
            services.Remove(storage);
            services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => new ControlledGrainStorage((IGrainStorage)storage.KeyedImplementationFactory!(sp, key), this));
        }

        services.Replace(ServiceDescriptor.Singleton<ITransactionJournal>(sp =>
            new ControlledJournal(new SqliteTransactionJournal(sp.GetRequiredService<SqliteDatabase>(), TimeProvider.System), this)));
    }

    private async Task BeforeWriteAsync(string stateName, GrainId grainId)
    {
        // Only the first write of that state name is held (names compared by value: Orleans' state name and the test's
        // literal are different string instances); every later write passes.
        Task release;
        lock (_sync)
        {
            if (_holdStateName != stateName)
            {
                return;
            }

            _holdStateName = null;
            _held.TrySetResult(grainId);
            release = _release.Task;
        }

        await release;
    }

    private sealed class ControlledGrainStorage(IGrainStorage inner, StorageControl control) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
            inner.ReadStateAsync(stateName, grainId, grainState, cancellationToken);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
        {
            await control.BeforeWriteAsync(stateName, grainId);
            if (stateName == "customer" && control.LoseCustomerWrites)
            {
                // The provider's versions are integers ("1" after the first write); a lost write advanced only the grain's.
                grainState.ETag = ((int.TryParse(grainState.ETag, CultureInfo.InvariantCulture, out var version) ? version : 0) + 1).ToString(CultureInfo.InvariantCulture);
                Interlocked.Increment(ref control._lostWrites);
                return;
            }

            if (!control.Crashed)
            {
                if (stateName == "customer")
                {
                    Interlocked.Increment(ref control._customerWrites);
                }

                await inner.WriteStateAsync(stateName, grainId, grainState, cancellationToken);
            }
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            control.Crashed ? Task.CompletedTask : inner.ClearStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
            control.Crashed ? Task.CompletedTask : inner.ClearStateAsync(stateName, grainId, grainState, cancellationToken);

        public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
    }

    private sealed class ControlledJournal(ITransactionJournal inner, StorageControl control) : ITransactionJournal
    {
        public Task<long> AppendAsync(string writer, IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default) =>
            control.Crashed ? throw new InvalidOperationException("The test crashed this silo: nothing is journaled any more.") : inner.AppendAsync(writer, lines, cancellationToken);

        public Task<long> GetCheckpointAsync(string writer, CancellationToken cancellationToken = default) => inner.GetCheckpointAsync(writer, cancellationToken);

        public Task SetCheckpointAsync(string writer, long sequence, CancellationToken cancellationToken = default) =>
            control.FailPositions ? throw new IOException("injected failure recording a journal position")
            : control.Crashed ? Task.CompletedTask : inner.SetCheckpointAsync(writer, sequence, cancellationToken);

        public Task<IReadOnlyList<string>> PendingWritersAsync(CancellationToken cancellationToken = default) => inner.PendingWritersAsync(cancellationToken);

        public IAsyncEnumerable<JournalBatch> ReadAfterAsync(string writer, long sequence, CancellationToken cancellationToken = default) =>
            inner.ReadAfterAsync(writer, sequence, cancellationToken);
    }
}
