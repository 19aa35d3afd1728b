using Orleans.Storage;

namespace Insiders.Storage;

/// <summary>
/// The embedded grain storage (Orleans' ADO.NET provider on SQLite) with its writes taken one at a time through
/// <see cref="SqliteDatabase.StateWriteGate"/>. SQLite admits one writer per file; writers that meet inside SQLite
/// wait in its busy handler, sleeping 1, 2, 5 … 100 ms between tries on a blocked thread, so under a sweep or a
/// checkpoint most of a second went to sleeping while the lock was free. Queued here instead, a write starts the moment
/// the previous one commits and waits without holding a thread. Reads pass through (WAL readers never wait for writers).
/// </summary>
internal sealed class SqliteSerializedGrainStorage(IGrainStorage inner, SqliteDatabase database) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        OneAtATimeAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        OneAtATimeAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));

    private async Task OneAtATimeAsync(Func<Task> write)
    {
        await database.StateWriteGate.WaitAsync();
        try
        {
            await write();
        }
        finally
        {
            database.StateWriteGate.Release();
        }
    }
}
