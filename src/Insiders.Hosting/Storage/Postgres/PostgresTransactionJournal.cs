using System.Runtime.CompilerServices;
using Insiders.Transactions;
using Npgsql;
using NpgsqlTypes;

namespace Insiders.Storage.Postgres;

/// <summary>
/// The journal in PostgreSQL (tables <c>insiders_journal</c>, <c>insiders_checkpoints</c>). Every command rides out
/// short outages (<see cref="PostgresRetry"/>): an append retried after a commit whose answer was lost stores the batch
/// twice, which line identity absorbs (customers ignore known line ids, the projector stores each line id once).
/// </summary>
public sealed class PostgresTransactionJournal(NpgsqlDataSource dataSource) : ITransactionJournal
{
    public Task<long> AppendAsync(string writer, IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var payload = LineBatchCodec.Encode(lines);
        DateTime? first = lines.Count == 0 ? null : lines.Min(l => l.InvoiceDate);
        DateTime? last = lines.Count == 0 ? null : lines.Max(l => l.InvoiceDate);
        return PostgresRetry.RunAsync(dataSource, async ct =>
        {
            await using var command = dataSource.CreateCommand("""
                INSERT INTO insiders_journal (writer, line_count, first_event, last_event, payload)
                VALUES ($1, $2, $3, $4, $5)
                RETURNING seq
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writer });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lines.Count });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Timestamp, Value = first is { } f ? f : DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Timestamp, Value = last is { } l ? l : DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }, cancellationToken);
    }

    public Task<long> GetCheckpointAsync(string writer, CancellationToken cancellationToken = default) =>
        PostgresRetry.RunAsync(dataSource, async ct =>
        {
            await using var command = dataSource.CreateCommand("SELECT seq FROM insiders_checkpoints WHERE writer = $1");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writer });
            return await command.ExecuteScalarAsync(ct) is long seq ? seq : 0L;
        }, cancellationToken);

    public Task SetCheckpointAsync(string writer, long sequence, CancellationToken cancellationToken = default) =>
        PostgresRetry.RunAsync(dataSource, async ct =>
        {
            await using var command = dataSource.CreateCommand("""
                INSERT INTO insiders_checkpoints (writer, seq) VALUES ($1, $2)
                ON CONFLICT (writer) DO UPDATE SET seq = greatest(insiders_checkpoints.seq, excluded.seq), updated_at = now()
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writer });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
            await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);

    public Task<IReadOnlyList<string>> PendingWritersAsync(CancellationToken cancellationToken = default) =>
        PostgresRetry.RunAsync<IReadOnlyList<string>>(dataSource, async ct =>
        {
            await using var command = dataSource.CreateCommand("""
                SELECT DISTINCT j.writer FROM insiders_journal j
                LEFT JOIN insiders_checkpoints c ON c.writer = j.writer
                WHERE j.seq > coalesce(c.seq, 0)
                """);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var writers = new List<string>();
            while (await reader.ReadAsync(ct))
            {
                writers.Add(reader.GetString(0));
            }

            return writers;
        }, cancellationToken);

    public async IAsyncEnumerable<JournalBatch> ReadAfterAsync(string writer, long sequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = sequence;
        while (await PostgresRetry.RunAsync(dataSource, ct => NextAsync(writer, after, ct), cancellationToken) is { } batch)
        {
            yield return batch;
            after = batch.Sequence;
        }
    }

    private async Task<JournalBatch?> NextAsync(string writer, long after, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT seq, payload FROM insiders_journal WHERE writer = $1 AND seq > $2 ORDER BY seq LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writer });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new JournalBatch(reader.GetInt64(0), LineBatchCodec.Decode(reader.GetFieldValue<byte[]>(1)))
            : null;
    }
}
