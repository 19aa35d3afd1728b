using Insiders.Storage;
using Microsoft.Data.Sqlite;

namespace Insiders.Tests;

/// <summary>
/// The embedded files' connections: a writer that finds the file locked waits inside SQLite (not in 150 ms sleeps of
/// the driver), and no commit copies the WAL back into the database inline; a background checkpointer does, for both
/// files, while the database is open.
/// </summary>
public sealed class SqliteWalTests : IDisposable
{
    private readonly string _dir = TestData.NewTempDirectory("sqlite-wal");

    public void Dispose() => TempDataDirectory.Delete(_dir);

    private static long Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public void Connections_OfBothFiles_WaitForWritersInSqlite_AndLeaveCheckpointsToTheCheckpointer()
    {
        using var db = SqliteDatabase.Open(_dir);
        foreach (var open in new Func<SqliteConnection>[] { db.OpenConnection, db.OpenJournalConnection })
        {
            // Twice: the second connection comes from the pool and must carry the same settings.
            for (var i = 0; i < 2; i++)
            {
                using var connection = open();
                Assert.Equal(SqliteConnectionSource.BusyTimeoutMilliseconds, Pragma(connection, "busy_timeout"));
                Assert.Equal(0, Pragma(connection, "wal_autocheckpoint"));
                Assert.Equal(1, Pragma(connection, "synchronous")); // NORMAL
                using var mode = connection.CreateCommand();
                mode.CommandText = "PRAGMA journal_mode";
                Assert.Equal("wal", (string)mode.ExecuteScalar()!);
            }
        }
    }

    [Fact]
    public async Task Commits_BeyondTheOldAutoCheckpointSize_ReachTheDatabaseFileThroughTheBackgroundCheckpointer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var db = SqliteDatabase.Open(_dir);
        var file = Path.Combine(_dir, SqliteDatabase.FileName);
        using (var connection = db.OpenConnection())
        {
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE wal_test (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)";
            create.ExecuteNonQuery();

            // 2,000 commits of 4 KB: about 2,000 WAL pages, twice the 1,000 at which a commit used to checkpoint inline.
            var payload = new byte[4096];
            for (var i = 0; i < 2_000; i++)
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO wal_test (payload) VALUES ($p)";
                insert.Parameters.AddWithValue("$p", payload);
                insert.ExecuteNonQuery();
            }
        }

        // Within a few checkpointer intervals the rows are in the database file itself.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (new FileInfo(file).Length < 2_000L * 4096 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(SqliteDatabase.WalCheckpointInterval / 4, ct);
        }

        Assert.True(new FileInfo(file).Length >= 2_000L * 4096, $"database file holds {new FileInfo(file).Length} bytes");
        Assert.Equal(0, db.WalCheckpointFailures);
        using var check = db.OpenConnection();
        using var count = check.CreateCommand();
        count.CommandText = "SELECT count(*) FROM wal_test";
        Assert.Equal(2_000L, (long)count.ExecuteScalar()!);
    }
}
