using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>
/// The embedded database: two SQLite files in the data directory, schema applied (idempotently) on open.
/// <see cref="FileName"/> holds the grain state, the checkpoints and the transitions; <see cref="JournalFileName"/>
/// holds the journal alone. SQLite lets one writer at a time into a file: with the journal in a file of its own, an
/// append (which acknowledges lines) never queues behind a checkpoint's grain-state writes.
/// <para>
/// The embedded store is one silo: the directory is locked (an exclusive lock on <see cref="LockFileName"/>, released
/// by <see cref="Dispose"/> or when the process ends, however it ends) so that a second process on it fails at once
/// instead of running a second cluster over the same grains.
/// </para>
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    public const string FileName = "insiders.db";

    public const string JournalFileName = "journal.db";

    public const string LockFileName = "insiders.lock";

    private readonly FileStream _lock;
    private readonly ManualResetEventSlim _stopping = new();
    private DbDataSource? _dataSource;
    private DbDataSource? _grainStorageDataSource;
    private SqliteStateWriter? _stateWriter;
    private DbDataSource? _journalDataSource;
    private Thread? _walCheckpointer;
    private long _walCheckpointFailures;
    private int _disposed;

    private SqliteDatabase(string dataDirectory, FileStream directoryLock)
    {
        DataDirectory = dataDirectory;
        _lock = directoryLock;
        ConnectionString = ConnectionStringFor(Path.Combine(dataDirectory, FileName));
        JournalConnectionString = ConnectionStringFor(Path.Combine(dataDirectory, JournalFileName));
    }

    public string DataDirectory { get; }

    public string ConnectionString { get; }

    public string JournalConnectionString { get; }

    /// <summary>
    /// The one writer of the frequent writes to the state file (grain state, transitions), committed in groups: they
    /// queue here, without a thread, instead of meeting inside SQLite (which admits one writer per file).
    /// </summary>
    public SqliteStateWriter StateWriter => _stateWriter ?? throw new InvalidOperationException("The database is not open.");

    /// <summary>Connections with the embedded tuning (see <see cref="SqliteConnectionSource"/>).</summary>
    public DbDataSource DataSource => _dataSource ??= new SqliteConnectionSource(ConnectionString);

    /// <summary>
    /// For Orleans' ADO.NET grain-storage provider: connections whose commands send the provider's write and clear
    /// queries (as stored in its OrleansQuery table) to <see cref="StateWriter"/>.
    /// </summary>
    public DbDataSource GrainStorageDataSource => _grainStorageDataSource ??=
        new SqliteConnectionSource(ConnectionString, new GroupCommittedQueries(StateWriter, ProviderWriteQueries()));

    private DbDataSource JournalDataSource => _journalDataSource ??= new SqliteConnectionSource(JournalConnectionString);

    /// <summary>
    /// Creates the data directory and database files if needed, switches them to WAL and applies the schema scripts.
    /// A data directory from before the journal had its own file has its journal moved there.
    /// </summary>
    public static SqliteDatabase Open(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        var full = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(full);
        var db = new SqliteDatabase(full, Lock(full));
        try
        {
            using (var connection = db.OpenConnection())
            {
                Execute(connection, "PRAGMA journal_mode=WAL;");
                ApplyScripts(connection, "sqlite/");
            }

            using (var journal = db.OpenJournalConnection())
            {
                Execute(journal, "PRAGMA journal_mode=WAL;");
                ApplyScripts(journal, "sqlite-journal/");
            }

            db.MoveJournalFromMainFile();
            db.KeepSequencesAfterCheckpoints();
            db._stateWriter = new SqliteStateWriter(db.OpenConnection);
            db.StartWalCheckpointer();
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
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stateWriter?.Dispose(); // commits what is queued
        _stopping.Set();
        _walCheckpointer?.Join();
        _stopping.Dispose();
        SqliteConnection.ClearAllPools();
        _lock.Dispose();
    }

    /// <summary>How often the background checkpointer copies both WAL files back into their databases.</summary>
    public static readonly TimeSpan WalCheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>Background WAL checkpoints that failed (each is retried at the next interval).</summary>
    public long WalCheckpointFailures => Interlocked.Read(ref _walCheckpointFailures);

    /// <summary>Runs one passive WAL checkpoint of both files now (what the background checkpointer does every interval).</summary>
    public void CheckpointWal()
    {
        foreach (var source in new[] { DataSource, JournalDataSource })
        {
            try
            {
                using var connection = Open(source);
                Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
            }
            catch (Exception e) when (e is SqliteException or IOException)
            {
                Interlocked.Increment(ref _walCheckpointFailures);
            }
        }
    }

    // Connections never checkpoint on commit (wal_autocheckpoint=0, SqliteConnectionSource): a checkpoint copies the WAL
    // into the database and fsyncs it, tens of milliseconds that would otherwise fall on whichever write crossed the
    // threshold — a journal append an HTTP client waits for, or a grain's flush its next event waits behind. A passive
    // checkpoint waits for nobody and nobody waits for it; it runs on a thread of its own, off the thread pool.
    private void StartWalCheckpointer()
    {
        _walCheckpointer = new Thread(() =>
        {
            while (!_stopping.Wait(WalCheckpointInterval))
            {
                CheckpointWal();
            }
        })
        {
            IsBackground = true,
            Name = "insiders-sqlite-wal-checkpoint",
        };
        _walCheckpointer.Start();
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

    /// <summary>An open connection to the state file. WAL with synchronous=NORMAL: a commit survives a process crash (kill -9); only an OS crash or power loss can lose the last commits.</summary>
    public SqliteConnection OpenConnection() => Open(DataSource);

    /// <summary>An open connection to the journal file (same tuning as <see cref="OpenConnection"/>).</summary>
    public SqliteConnection OpenJournalConnection() => Open(JournalDataSource);

    // The texts the provider reads from OrleansQuery at start-up and runs as its command texts.
    private string[] ProviderWriteQueries()
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT QueryText FROM OrleansQuery WHERE QueryKey IN ('WriteToStorageKey', 'ClearStorageKey')";
        using var reader = command.ExecuteReader();
        var queries = new List<string>();
        while (reader.Read())
        {
            queries.Add(reader.GetString(0));
        }

        return queries.Count == 2
            ? [.. queries]
            : throw new InvalidOperationException("The OrleansQuery table lacks WriteToStorageKey or ClearStorageKey (see deploy/sqlite).");
    }

    private static SqliteConnection Open(DbDataSource source)
    {
        var connection = (SqliteConnection)source.CreateConnection();
        connection.Open();
        return connection;
    }

    private static string ConnectionStringFor(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Pooling = true,
        DefaultTimeout = 60,
    }.ToString();

    // Copies first (committed in the journal file), then drops the old table: a crash in between copies again (the
    // rows keep their sequence numbers, so nothing is duplicated).
    private void MoveJournalFromMainFile()
    {
        using var connection = OpenConnection();
        using (var exists = connection.CreateCommand())
        {
            exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'insiders_journal'";
            if ((long)exists.ExecuteScalar()! == 0)
            {
                return;
            }
        }

        using (var journal = OpenJournalConnection())
        {
            using var attach = journal.CreateCommand();
            attach.CommandText = "ATTACH DATABASE $main AS old";
            attach.Parameters.AddWithValue("$main", new SqliteConnectionStringBuilder(ConnectionString).DataSource);
            attach.ExecuteNonQuery();
            using var tx = journal.BeginTransaction();
            Execute(journal, """
                INSERT OR IGNORE INTO insiders_journal (seq, writer, line_count, first_event, last_event, payload, received_at)
                SELECT seq, writer, line_count, first_event, last_event, payload, received_at FROM old.insiders_journal
                """, tx);
            tx.Commit();
            Execute(journal, "DETACH DATABASE old");
        }

        Execute(connection, "DROP TABLE insiders_journal");
    }

    // The checkpoints (in the state file) and the journal (in its file) are committed separately: should the journal file
    // ever lose its last commits (an OS crash under synchronous=NORMAL), new batches must still be numbered after every
    // recorded checkpoint, or recovery would take them for covered.
    private void KeepSequencesAfterCheckpoints()
    {
        long checkpointed;
        using (var connection = OpenConnection())
        using (var max = connection.CreateCommand())
        {
            max.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM insiders_checkpoints";
            checkpointed = (long)max.ExecuteScalar()!;
        }

        using var journal = OpenJournalConnection();
        using var tx = journal.BeginTransaction();
        using var current = journal.CreateCommand();
        current.Transaction = tx;
        current.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = 'insiders_journal'";
        if ((long)current.ExecuteScalar()! < checkpointed)
        {
            using var bump = journal.CreateCommand();
            bump.Transaction = tx;
            bump.CommandText = """
                DELETE FROM sqlite_sequence WHERE name = 'insiders_journal';
                INSERT INTO sqlite_sequence (name, seq) VALUES ('insiders_journal', $seq);
                """;
            bump.Parameters.AddWithValue("$seq", checkpointed);
            bump.ExecuteNonQuery();
        }

        tx.Commit();
    }

    private static void ApplyScripts(SqliteConnection connection, string prefix)
    {
        foreach (var script in SchemaScripts(prefix))
        {
            using var tx = connection.BeginTransaction();
            Execute(connection, script, tx);
            tx.Commit();
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        command.ExecuteNonQuery();
    }

    private static IEnumerable<string> SchemaScripts(string prefix)
    {
        var assembly = typeof(SqliteDatabase).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Missing schema resource {name}.");
            using var reader = new StreamReader(stream);
            yield return reader.ReadToEnd();
        }
    }
}

/// <summary>Another process holds the embedded data directory.</summary>
public sealed class DataDirectoryInUseException(string message, Exception inner) : InvalidOperationException(message, inner);
