using Insiders.Storage;
using Insiders.Transactions;
using Microsoft.Data.Sqlite;

namespace Insiders.Tests;

/// <summary>
/// The embedded journal lives in a file of its own (journal.db). A data directory written before that keeps its
/// unfinished batches, and batch numbers never fall back under a recorded checkpoint.
/// </summary>
public sealed class SqliteJournalFileTests : IDisposable
{
    private readonly string _dir = TestData.NewTempDirectory("journal-file");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    private static TransactionLine Line(int position, string customer) =>
        new(LineIdentity.For("journal-file-test", position), "500001", "85123A", 2, new DateTime(2011, 1, 10, 9, 0, 0), 2.55m, customer, "United Kingdom");

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_dir, SqliteDatabase.FileName), Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task Open_DataDirectoryWithJournalInStateFile_MovesBatchesKeepingSequences()
    {
        var ct = TestContext.Current.CancellationToken;
        // The layout before the journal had its own file: the journal table in insiders.db, one writer checkpointed at 2.
        Execute("""
            CREATE TABLE insiders_journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, writer TEXT NOT NULL, line_count INTEGER NOT NULL,
                first_event TEXT NULL, last_event TEXT NULL, payload BLOB NOT NULL, received_at TEXT NOT NULL);
            CREATE TABLE insiders_checkpoints (writer TEXT NOT NULL PRIMARY KEY, seq INTEGER NOT NULL, updated_at TEXT NOT NULL);
            INSERT INTO insiders_checkpoints VALUES ('old-silo', 2, '2011-01-10T09:00:00Z');
            """);
        var lines = Enumerable.Range(2, 3).Select(i => new[] { Line(i, "4242") }).ToArray();
        foreach (var (batch, seq) in lines.Select((b, i) => (b, i + 1)))
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_dir, SqliteDatabase.FileName), Pooling = false }.ToString());
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO insiders_journal VALUES ($seq, 'old-silo', 1, NULL, NULL, $payload, '2011-01-10T09:00:00Z')";
            insert.Parameters.AddWithValue("$seq", seq);
            insert.Parameters.AddWithValue("$payload", LineBatchCodec.Encode(batch));
            insert.ExecuteNonQuery();
        }

        var database = SqliteDatabase.Open(_dir);
        var journal = new SqliteTransactionJournal(database, TimeProvider.System);

        Assert.Equal(["old-silo"], await journal.PendingWritersAsync(ct));
        var after = new List<JournalBatch>();
        await foreach (var batch in journal.ReadAfterAsync("old-silo", 2, ct))
        {
            after.Add(batch);
        }

        var only = Assert.Single(after);
        Assert.Equal(3, only.Sequence);
        Assert.Equal(lines[2][0].LineId, Assert.Single(only.Lines).LineId);
        Assert.Equal(4, await journal.AppendAsync("new-silo", [Line(9, "4243")], ct));

        // Opening again (the move already done) changes nothing.
        database.Dispose();
        using var reopened = SqliteDatabase.Open(_dir);
        var again = new SqliteTransactionJournal(reopened, TimeProvider.System);
        Assert.Equal(["new-silo", "old-silo"], (await again.PendingWritersAsync(ct)).Order(StringComparer.Ordinal));
        using var state = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_dir, SqliteDatabase.FileName), Pooling = false }.ToString());
        state.Open();
        using var exists = state.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'insiders_journal'";
        Assert.Equal(0L, exists.ExecuteScalar());
    }

    [Fact]
    public async Task Open_JournalFileBehindCheckpoints_NewBatchesNumberedAfterThem()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = SqliteDatabase.Open(_dir);
        var journal = new SqliteTransactionJournal(database, TimeProvider.System);
        await journal.SetCheckpointAsync("silo-a", 1_000, ct);
        database.Dispose();
        // The journal file lost its commits (an OS crash under synchronous=NORMAL), the state file did not.
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path.Combine(_dir, SqliteDatabase.JournalFileName + suffix));
        }

        using var again = SqliteDatabase.Open(_dir);
        var reopened = new SqliteTransactionJournal(again, TimeProvider.System);
        Assert.Equal(1_001, await reopened.AppendAsync("silo-b", [Line(1, "4244")], ct));
    }
}
