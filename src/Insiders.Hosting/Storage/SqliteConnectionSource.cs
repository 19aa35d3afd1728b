using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>
/// Hands the Orleans ADO.NET provider (and our own stores) connections that are set up for the embedded workload:
/// WAL journal with synchronous=NORMAL (a committed write survives a process crash; fsync happens at checkpoints).
/// <para>
/// Given a <see cref="SqliteStateWriter"/> and the text of the provider's write queries, the commands of these
/// connections send those queries to the writer, which commits them in groups (see <see cref="GroupCommittedQueries"/>);
/// everything else runs on the connection as usual.
/// </para>
/// </summary>
internal sealed class SqliteConnectionSource(string connectionString, GroupCommittedQueries? groupCommitted = null) : DbDataSource
{
    // The native connections (pooled, so reused by many SqliteConnection objects) that already run with the pragmas.
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Tuned = new();

    public override string ConnectionString { get; } = connectionString;

    protected override DbConnection CreateDbConnection() => new TunedSqliteConnection(ConnectionString, groupCommitted);

    // synchronous=NORMAL: in WAL mode a commit is durable against a process crash without an fsync (an OS crash may
    // lose the last commits; see SqliteDatabase). busy_timeout: SQLite itself waits for another writer with short sleeps
    // (Microsoft.Data.Sqlite alone retries a busy statement only every 150 ms). wal_autocheckpoint=0: no commit copies the
    // WAL back into the database (and fsyncs it) inline; SqliteDatabase's checkpointer does that in the background.
    // The pragmas are per native connection: set once on each (a pooled one handed out again keeps them; one with a
    // transaction still open, where synchronous may not be changed, is set up at a later open).
    private sealed class TunedSqliteConnection(string connectionString, GroupCommittedQueries? groupCommitted) : SqliteConnection(connectionString)
    {
        public override void Open()
        {
            base.Open();
            var handle = Handle!;
            if (Tuned.TryGetValue(handle, out _) || SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0)
            {
                return;
            }

            using (var command = base.CreateCommand())
            {
                command.CommandText = $"PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMilliseconds}; PRAGMA wal_autocheckpoint=0;";
                command.ExecuteNonQuery();
            }

            Tuned.AddOrUpdate(handle, Tuned);
        }

        public override SqliteCommand CreateCommand() =>
            groupCommitted is null
                ? base.CreateCommand()
                : new GroupCommittedCommand(groupCommitted) { Connection = this, CommandTimeout = DefaultTimeout, Transaction = Transaction };
    }

    // The provider executes its queries through DbCommand.ExecuteReaderAsync, which lands here. Its parameters are named
    // as the query spells them before they are bound (SqliteParameterNames).
    private sealed class GroupCommittedCommand(GroupCommittedQueries groupCommitted) : SqliteCommand
    {
        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
        {
            SqliteParameterNames.Spell(CommandText, Parameters);
            if (Transaction is null && groupCommitted.Includes(CommandText))
            {
                return await groupCommitted.ExecuteAsync(CommandText, Parameters).ConfigureAwait(false);
            }

            return await base.ExecuteDbDataReaderAsync(behavior, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How long a statement waits for another connection's write lock (inside SQLite) before it reports busy.</summary>
    public const int BusyTimeoutMilliseconds = 30_000;
}
