using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>
/// The one writer of this process's frequent writes to the state file (grain states through Orleans' ADO.NET provider,
/// Insider transitions), with group commit: SQLite commits one transaction at a time per file, so the writes that
/// arrive while one commit runs are applied together in the next transaction, on one connection whose statements stay
/// prepared from one transaction to the next. A sweep's or a checkpoint's thousands of concurrent writes then share a few hundred
/// commits instead of one transaction each (two statements prepared, a pooled connection set up and a commit per
/// grain, one writer at a time).
/// <para>
/// A write's task completes once the transaction holding it has committed (never before: a caller that sees success
/// has its write durable against a process crash). If the shared transaction fails, it is rolled back and each of its
/// writes is tried again alone, so one failing write fails only its own caller. Writes queued when the writer is
/// disposed are still committed.
/// </para>
/// </summary>
public sealed class SqliteStateWriter : IDisposable
{
    /// <summary>At most this many writes go into one transaction.</summary>
    public const int MaxWritesPerCommit = 1024;

    private readonly Func<SqliteConnection> _open;
    private readonly Channel<IQueuedWrite> _queue = Channel.CreateUnbounded<IQueuedWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private SqliteWriteBatch? _batch; // the writer's connection and commands, kept from one transaction to the next
    private long _commits;
    private long _writes;

    /// <param name="open">Opens a connection to the state file.</param>
    public SqliteStateWriter(Func<SqliteConnection> open)
    {
        _open = open;
        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Transactions committed so far (each holding one or more writes).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Writes committed so far.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>
    /// Queues <paramref name="write"/>; it runs on the writer's thread inside a transaction shared with other writes and
    /// must only use the batch's commands. Its result is returned once that transaction has committed.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteWriteBatch, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var queued = new QueuedWrite<T>(write);
        return _queue.Writer.TryWrite(queued)
            ? queued.Done.Task
            : Task.FromException<T>(new ObjectDisposedException(nameof(SqliteStateWriter), "The embedded database is closing."));
    }

    /// <summary>Stops taking writes and waits until the queued ones are committed.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.GetAwaiter().GetResult();
        _batch?.Dispose();
        _batch = null;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<IQueuedWrite>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxWritesPerCommit && _queue.Reader.TryRead(out var queued))
            {
                batch.Add(queued);
            }

            try
            {
                Commit(batch);
                foreach (var queued in batch)
                {
                    queued.Complete();
                }
            }
            catch when (batch.Count > 1)
            {
                // Which write failed the transaction is not known: each is tried again in a transaction of its own.
                foreach (var queued in batch)
                {
                    CommitAlone(queued);
                }
            }
            catch (Exception e)
            {
                batch[0].Fail(e);
            }

            batch.Clear();
        }
    }

    private void CommitAlone(IQueuedWrite queued)
    {
        try
        {
            Commit([queued]);
            queued.Complete();
        }
        catch (Exception e)
        {
            queued.Fail(e);
        }
    }

    // Runs the writes in one transaction and commits it; on any exception the transaction is rolled back (disposed
    // uncommitted), the connection and its prepared commands are dropped (the next transaction opens them afresh) and
    // the exception propagates.
    private void Commit(List<IQueuedWrite> writes)
    {
        _batch ??= new SqliteWriteBatch(_open());
        try
        {
            _batch.Begin();
            foreach (var queued in writes)
            {
                queued.Run(_batch);
            }

            _batch.Commit();
        }
        catch
        {
            _batch.Dispose();
            _batch = null;
            throw;
        }

        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _writes, writes.Count);
    }

    private interface IQueuedWrite
    {
        void Run(SqliteWriteBatch batch);

        void Complete();

        void Fail(Exception error);
    }

    private sealed class QueuedWrite<T>(Func<SqliteWriteBatch, T> write) : IQueuedWrite
    {
        private T _result = default!;

        public TaskCompletionSource<T> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Run(SqliteWriteBatch batch) => _result = write(batch);

        public void Complete() => Done.TrySetResult(_result);

        public void Fail(Exception error) => Done.TrySetException(error);
    }
}

/// <summary>
/// The transaction a group of writes shares (see <see cref="SqliteStateWriter"/>), on the writer's connection, whose
/// commands stay prepared from one transaction to the next.
/// </summary>
public sealed class SqliteWriteBatch : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private SqliteTransaction? _transaction;

    internal SqliteWriteBatch(SqliteConnection connection) => _connection = connection;

    /// <summary>
    /// A command for <paramref name="sql"/> in the shared transaction, with no parameters: the same command (its
    /// statements prepared once) for every write that runs this text.
    /// </summary>
    public SqliteCommand Command(string sql)
    {
        var transaction = _transaction ?? throw new InvalidOperationException("No transaction is open.");
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = new SqliteCommand(sql, _connection);
            _commands.Add(sql, command);
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    internal void Begin() => _transaction = _connection.BeginTransaction(deferred: false);

    internal void Commit()
    {
        _transaction!.Commit();
        _transaction.Dispose();
        _transaction = null;
    }

    public void Dispose()
    {
        _transaction?.Dispose(); // rolls back what was not committed
        _transaction = null;
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        _connection.Dispose();
    }
}
