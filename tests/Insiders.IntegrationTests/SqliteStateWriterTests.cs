using Insiders.Customers;
using Insiders.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Insiders.Tests;

/// <summary>
/// The state file's group-committing writer, alone and under Orleans' ADO.NET grain-storage provider: writes that
/// arrive while a commit runs share the next transaction, each returns only once committed, a failing write fails only
/// its caller, queued writes are committed when the database closes, and the provider's contract (versions, conflicts,
/// clear) holds through it.
/// </summary>
public sealed class SqliteStateWriterTests : IDisposable
{
    private const string Insert = "INSERT INTO writer_test (k, v) VALUES ($k, $v)";

    private readonly string _dir = TestData.NewTempDirectory("state-writer");

    public void Dispose() => TempDataDirectory.Delete(_dir);

    private static SqliteDatabase OpenWithTable(string dir)
    {
        var db = SqliteDatabase.Open(dir);
        using var connection = db.OpenConnection();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE IF NOT EXISTS writer_test (k INTEGER PRIMARY KEY, v TEXT NOT NULL)";
        create.ExecuteNonQuery();
        return db;
    }

    private static Task<int> InsertAsync(SqliteStateWriter writer, int k) => writer.WriteAsync(batch =>
    {
        var command = batch.Command(Insert);
        command.Parameters.AddWithValue("$k", k);
        command.Parameters.AddWithValue("$v", $"row {k}");
        return command.ExecuteNonQuery();
    });

    private static long Rows(SqliteDatabase db)
    {
        using var connection = db.OpenConnection();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM writer_test";
        return (long)count.ExecuteScalar()!;
    }

    // Occupies the writer until the returned event is set: what is queued meanwhile goes into the next transaction.
    private static (Task Write, ManualResetEventSlim Release) HoldWriter(SqliteStateWriter writer)
    {
        var running = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var write = writer.WriteAsync(_ =>
        {
            running.Set();
            release.Wait();
            return 0;
        });
        Assert.True(running.Wait(TimeSpan.FromSeconds(30)));
        return (write, release);
    }

    [Fact]
    public async Task WritesQueuedDuringACommit_ShareOneTransaction_AndReturnOnlyOnceCommitted()
    {
        using var db = OpenWithTable(_dir);
        var writer = db.StateWriter;
        var (held, release) = HoldWriter(writer);
        var commits = writer.Commits;

        var writes = Enumerable.Range(1, 300).Select(k => InsertAsync(writer, k)).ToArray();
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.All(writes, w => Assert.False(w.IsCompleted));
        Assert.Equal(0, Rows(db));

        release.Set();
        await held;
        Assert.All(await Task.WhenAll(writes), inserted => Assert.Equal(1, inserted));
        Assert.Equal(300, Rows(db));
        Assert.Equal(commits + 2, writer.Commits); // the held write's transaction, then one for all 300
    }

    [Fact]
    public async Task AFailingWrite_FailsOnlyItsCaller_TheOthersOfItsTransactionCommit()
    {
        using var db = OpenWithTable(_dir);
        var writer = db.StateWriter;
        var (held, release) = HoldWriter(writer);

        var before = Enumerable.Range(1, 50).Select(k => InsertAsync(writer, k)).ToArray();
        var failing = InsertAsync(writer, 7); // the same key again: a constraint violation inside the shared transaction
        var after = Enumerable.Range(51, 50).Select(k => InsertAsync(writer, k)).ToArray();
        release.Set();
        await held;

        var error = await Assert.ThrowsAsync<SqliteException>(() => failing);
        Assert.Contains("UNIQUE", error.Message, StringComparison.Ordinal);
        await Task.WhenAll(before.Concat(after));
        Assert.Equal(100, Rows(db));
    }

    [Fact]
    public async Task Close_CommitsTheQueuedWrites_ThenRefusesNewOnes()
    {
        var db = OpenWithTable(_dir);
        var writer = db.StateWriter;
        var (held, release) = HoldWriter(writer);
        var queued = Enumerable.Range(1, 10).Select(k => InsertAsync(writer, k)).ToArray();

        var closing = Task.Run(db.Dispose, TestContext.Current.CancellationToken);
        release.Set();
        await closing.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await held;
        await Task.WhenAll(queued);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => InsertAsync(writer, 11));

        using var reopened = SqliteDatabase.Open(_dir);
        Assert.Equal(10, Rows(reopened));
    }

    [Fact]
    public async Task GrainStorage_WritesThroughTheWriter_KeepTheProvidersVersionContract()
    {
        var settings = new Dictionary<string, string?> { ["Insiders:DataDirectory"] = Path.Combine(_dir, "data"), ["Insiders:RetrainPeriod"] = "00:00:00" };
        var ids = Enumerable.Range(0, 400).Select(i => GrainId.Create("customer", $"writer-{i}")).ToArray();
        using (var host = InsidersHost.Build(settings))
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(InsidersNames.CustomerStorage);
            var writer = host.Services.GetRequiredService<SqliteDatabase>().StateWriter;
            var writes = writer.Writes;

            // Many grains at once: each insert gets version 1 and is counted by the writer.
            var states = ids.Select(_ => new GrainState<CustomerState>(new CustomerState())).ToArray();
            await Task.WhenAll(ids.Select((id, i) =>
            {
                states[i].State!.Revision = i + 1;
                return storage.WriteStateAsync("customer", id, states[i]);
            }));
            Assert.All(states, s => Assert.Equal("1", s.ETag));
            Assert.True(writer.Writes - writes >= ids.Length, $"{writer.Writes - writes} writes went through the writer");

            // Two holders of version 1: the first update wins (version 2), the second is a conflict; a stale clear too.
            var stale = new GrainState<CustomerState>();
            await storage.ReadStateAsync("customer", ids[0], stale);
            Assert.Equal("1", stale.ETag);
            states[0].State!.Revision = 1000;
            await storage.WriteStateAsync("customer", ids[0], states[0]);
            Assert.Equal("2", states[0].ETag);
            stale.State!.Revision = 2000;
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("customer", ids[0], stale));
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("customer", ids[0], stale));

            // A second insert of a stored grain (no version) is a conflict, not a second row.
            var fresh = new GrainState<CustomerState>(new CustomerState());
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("customer", ids[1], fresh));

            await storage.ClearStateAsync("customer", ids[2], states[2]);

            // Written again after a clear, with the ETag the clear returned (how a shard reuses a segment slot).
            await storage.ClearStateAsync("customer", ids[3], states[3]);
            states[3].State = new CustomerState { Revision = 77 };
            await storage.WriteStateAsync("customer", ids[3], states[3]);
            await host.StopAsync(TestContext.Current.CancellationToken);
        }

        // What was acknowledged is what a new process reads, through either provider name: the rows do not name theirs.
        using (var host = InsidersHost.Build(settings))
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(InsidersNames.Storage);
            for (var i = 0; i < ids.Length; i++)
            {
                var read = new GrainState<CustomerState>();
                await storage.ReadStateAsync("customer", ids[i], read);
                var (revision, etag) = i switch
                {
                    0 => (1000L, "2"),
                    2 => (0L, "2"), // cleared: the default state under the next version
                    3 => (77L, "3"), // cleared, then written
                    _ => (i + 1L, "1"),
                };
                Assert.Equal(revision, read.State!.Revision);
                Assert.Equal(etag, read.ETag);
            }

            await host.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
