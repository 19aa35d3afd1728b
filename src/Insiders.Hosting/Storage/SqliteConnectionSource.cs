using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>
/// Hands the Orleans ADO.NET provider (and our own stores) connections that are set up for the embedded workload:
/// WAL journal with synchronous=NORMAL (a committed write survives a process crash; fsync happens at checkpoints).
/// </summary>
internal sealed class SqliteConnectionSource(string connectionString) : DbDataSource
{
    public override string ConnectionString { get; } = connectionString;

    protected override DbConnection CreateDbConnection() => new TunedSqliteConnection(ConnectionString);

    // synchronous=NORMAL: in WAL mode a commit is durable against a process crash without an fsync (an OS crash may
    // lose the last commits; see SqliteDatabase). busy_timeout: SQLite itself waits for another writer with short sleeps
    // (Microsoft.Data.Sqlite alone retries a busy statement only every 150 ms). wal_autocheckpoint=0: no commit copies the
    // WAL back into the database (and fsyncs it) inline; SqliteDatabase's checkpointer does that in the background.
    // The pragmas are per native connection; a pooled one handed out again keeps them (and is skipped if a transaction
    // were still open on it, where synchronous may not be changed).
    private sealed class TunedSqliteConnection(string connectionString) : SqliteConnection(connectionString)
    {
        public override void Open()
        {
            base.Open();
            if (SQLitePCL.raw.sqlite3_get_autocommit(Handle) == 0)
            {
                return;
            }

            using var command = CreateCommand();
            command.CommandText = $"PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMilliseconds}; PRAGMA wal_autocheckpoint=0;";
            command.ExecuteNonQuery();
        }
    }

    /// <summary>How long a statement waits for another connection's write lock (inside SQLite) before it reports busy.</summary>
    public const int BusyTimeoutMilliseconds = 30_000;
}
