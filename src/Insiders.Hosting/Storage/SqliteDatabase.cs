using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>The embedded database: one SQLite file in the data directory, schema applied (idempotently) on open.</summary>
public sealed class SqliteDatabase
{
    public const string FileName = "insiders.db";

    private DbDataSource? _dataSource;

    private SqliteDatabase(string dataDirectory, string connectionString)
    {
        DataDirectory = dataDirectory;
        ConnectionString = connectionString;
    }

    public string DataDirectory { get; }

    public string ConnectionString { get; }

    /// <summary>Connections with the embedded tuning (see <see cref="SqliteConnectionSource"/>).</summary>
    public DbDataSource DataSource => _dataSource ??= new SqliteConnectionSource(ConnectionString);

    /// <summary>Creates the data directory and database if needed, switches it to WAL and applies the schema scripts.</summary>
    public static SqliteDatabase Open(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var full = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(full);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(full, FileName),
            Pooling = true,
            DefaultTimeout = 60,
        }.ToString();
        var db = new SqliteDatabase(full, connectionString);
        using var connection = db.OpenConnection();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        foreach (var script in SchemaScripts())
        {
            using var tx = connection.BeginTransaction();
            Execute(connection, script, tx);
            tx.Commit();
        }

        return db;
    }

    /// <summary>An open connection. WAL with synchronous=NORMAL: a commit survives a process crash (kill -9); only an OS crash or power loss can lose the last commits.</summary>
    public SqliteConnection OpenConnection()
    {
        var connection = (SqliteConnection)DataSource.CreateConnection();
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }

    private static IEnumerable<string> SchemaScripts()
    {
        var assembly = typeof(SqliteDatabase).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("sqlite/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Missing schema resource {name}.");
            using var reader = new StreamReader(stream);
            yield return reader.ReadToEnd();
        }
    }
}
