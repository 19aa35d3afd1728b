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

    private sealed class TunedSqliteConnection(string connectionString) : SqliteConnection(connectionString)
    {
        public override void Open()
        {
            base.Open();
            using var command = CreateCommand();
            command.CommandText = "PRAGMA synchronous=NORMAL;";
            command.ExecuteNonQuery();
        }
    }
}
