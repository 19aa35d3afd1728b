using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>
/// The embedded database: one SQLite file in the data directory, schema applied (idempotently) on open. The embedded
/// store is one silo: the directory is locked (an exclusive lock on <see cref="LockFileName"/>, released by
/// <see cref="Dispose"/> or when the process ends, however it ends) so that a second process on it fails at once
/// instead of running a second cluster over the same grains.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    public const string FileName = "insiders.db";

    public const string LockFileName = "insiders.lock";

    private readonly FileStream _lock;
    private DbDataSource? _dataSource;

    private SqliteDatabase(string dataDirectory, string connectionString, FileStream directoryLock)
    {
        DataDirectory = dataDirectory;
        ConnectionString = connectionString;
        _lock = directoryLock;
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
        var db = new SqliteDatabase(full, connectionString, Lock(full));
        try
        {
            using var connection = db.OpenConnection();
            Execute(connection, "PRAGMA journal_mode=WAL;");
            foreach (var script in SchemaScripts())
            {
                using var tx = connection.BeginTransaction();
                Execute(connection, script, tx);
                tx.Commit();
            }
        }
        catch
        {
            db.Dispose();
            throw;
        }

        return db;
    }

    /// <summary>Releases the data directory (connections still pooled are closed).</summary>
    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _lock.Dispose();
    }

    // FileShare.None is an exclusive advisory lock (flock) on Unix and a sharing lock on Windows. The holder's pid goes
    // to a file beside it (the lock file itself cannot be read by anyone else) for the next one's error message.
    private static FileStream Lock(string directory)
    {
        var pidFile = Path.Combine(directory, "insiders.pid");
        try
        {
            var stream = new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            File.WriteAllText(pidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return stream;
        }
        catch (IOException e)
        {
            var holder = File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : "";
            throw new DataDirectoryInUseException(
                $"The data directory {directory} is in use by another Insiders process{(holder.Length > 0 ? $" (pid {holder})" : "")}: " +
                "the embedded store is one silo. Stop that process, or give this one another --data-dir / Insiders:DataDirectory " +
                "(several silos share data through Insiders:Storage=Postgres).", e);
        }
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

/// <summary>Another process holds the embedded data directory.</summary>
public sealed class DataDirectoryInUseException(string message, Exception inner) : InvalidOperationException(message, inner);
