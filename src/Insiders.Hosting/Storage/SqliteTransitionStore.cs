using System.Globalization;
using System.Threading.Channels;
using Insiders.Customers;
using Insiders.Infrastructure;
using Insiders.Telemetry;

namespace Insiders.Storage;

/// <summary>
/// Insider entries and exits in the embedded database (table <c>insiders_transitions</c>), exactly once per (customer,
/// sequence); only rows inserted for the first time are counted in <see cref="InsidersTelemetry.Transitions"/>.
/// <para>
/// Group commit: SQLite commits one transaction at a time per file, so the calls that arrive while one commit runs
/// are written together in the next (a sweep's thousands of concurrent customers then share a few hundred commits
/// instead of one each). A call returns once the transaction holding its rows has committed; if it fails, every call
/// in it gets the error (nothing of it is recorded, and the customers' outbox records it again later).
/// </para>
/// </summary>
public sealed class SqliteTransitionStore : IInsiderTransitionStore, IAsyncDisposable
{
    // Transitions of at most this many calls go into one transaction.
    private const int MaxCallsPerCommit = 512;

    private readonly SqliteDatabase _database;
    private readonly InsidersMetrics _metrics;
    private readonly Channel<PendingRecord> _queue = Channel.CreateUnbounded<PendingRecord>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public SqliteTransitionStore(SqliteDatabase database, InsidersMetrics metrics)
    {
        _database = database;
        _metrics = metrics;
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task RecordAsync(IReadOnlyList<InsiderTransition> transitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        if (transitions.Count == 0)
        {
            return Task.CompletedTask;
        }

        var pending = new PendingRecord(transitions);
        return _queue.Writer.TryWrite(pending)
            ? pending.Done.Task
            : Task.FromException(new ObjectDisposedException(nameof(SqliteTransitionStore), "The transition store is shutting down."));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer; // the calls already queued are written
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingRecord>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxCallsPerCommit && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            await _database.StateWriteGate.WaitAsync();
            try
            {
                var (entries, exits) = Write(batch);
                _metrics.TransitionsRecorded(entries, exits);
                foreach (var pending in batch)
                {
                    pending.Done.TrySetResult();
                }
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(e);
                }
            }
            finally
            {
                _database.StateWriteGate.Release();
            }

            batch.Clear();
        }
    }

    // One transaction; returns the entries and exits inserted for the first time.
    private (int Entries, int Exits) Write(List<PendingRecord> batch)
    {
        using var connection = _database.OpenConnection();
        using var tx = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        int entries = 0, exits = 0;
        command.CommandText = """
            INSERT INTO insiders_transitions (customer_id, sequence, at, model_version, from_segment, to_segment, entered)
            VALUES ($customer, $sequence, $at, $version, $from, $to, $entered)
            ON CONFLICT (customer_id, sequence) DO NOTHING
            """;
        foreach (var t in batch.SelectMany(p => p.Transitions))
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$customer", t.CustomerId);
            command.Parameters.AddWithValue("$sequence", t.Sequence);
            command.Parameters.AddWithValue("$at", t.At.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$version", t.ModelVersion);
            command.Parameters.AddWithValue("$from", (object?)t.FromSegment ?? DBNull.Value);
            command.Parameters.AddWithValue("$to", (object?)t.ToSegment ?? DBNull.Value);
            command.Parameters.AddWithValue("$entered", t.Entered ? 1 : 0);
            var inserted = command.ExecuteNonQuery(); // 0 when (customer, sequence) was already recorded
            if (t.Entered)
            {
                entries += inserted;
            }
            else
            {
                exits += inserted;
            }
        }

        tx.Commit();
        return (entries, exits);
    }

    private sealed record PendingRecord(IReadOnlyList<InsiderTransition> Transitions)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public Task<IReadOnlyList<(long Cursor, InsiderTransition Transition)>> ReadAsync(long afterCursor, int limit, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT cursor, customer_id, sequence, at, model_version, from_segment, to_segment, entered
            FROM insiders_transitions WHERE cursor > $after ORDER BY cursor LIMIT $limit
            """;
        command.Parameters.AddWithValue("$after", afterCursor);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var page = new List<(long, InsiderTransition)>();
        while (reader.Read())
        {
            page.Add((reader.GetInt64(0), new InsiderTransition(
                reader.GetString(1),
                reader.GetInt64(2),
                DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture),
                reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6),
                reader.GetInt64(7) == 1)));
        }

        return Task.FromResult<IReadOnlyList<(long, InsiderTransition)>>(page);
    }
}
