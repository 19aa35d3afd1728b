using System.Runtime.CompilerServices;
using Insiders.Transactions;
using Npgsql;
using NpgsqlTypes;

namespace Insiders.Storage.Postgres;

/// <summary>The journal in PostgreSQL (tables <c>insiders_journal</c>, <c>insiders_checkpoints</c>).</summary>
public sealed class PostgresTransactionJournal(NpgsqlDataSource dataSource) : ITransactionJournal
{
    public async Task<long> AppendAsync(string writer, IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO insiders_journal (writer, line_count, first_event, last_event, payload)
            VALUES ($1, $2, $3, $4, $5)
            RETURNING seq
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writer });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = lines.Count });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Timestamp, Value = lines.Count == 0 ? DBNull.Value : lines.Min(l => l.InvoiceDate) });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Timestamp, Value = lines.Count == 0 ? DBNull.Value : lines.Max(l => l.InvoiceDate) });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = LineBatchCodec.Encode(lines) });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<long> GetCheckpointAsync(string writer, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT seq FROM insiders_checkpoints WHERE writer = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writer });
        return await command.ExecuteScalarAsync(cancellationToken) is long seq ? seq : 0L;
    }

    public async Task SetCheckpointAsync(string writer, long sequence, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO insiders_checkpoints (writer, seq) VALUES ($1, $2)
            ON CONFLICT (writer) DO UPDATE SET seq = greatest(insiders_checkpoints.seq, excluded.seq), updated_at = now()
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writer });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> PendingWritersAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT DISTINCT j.writer FROM insiders_journal j
            LEFT JOIN insiders_checkpoints c ON c.writer = j.writer
            WHERE j.seq > coalesce(c.seq, 0)
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var writers = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            writers.Add(reader.GetString(0));
        }

        return writers;
    }

    public async IAsyncEnumerable<JournalBatch> ReadAfterAsync(string writer, long sequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = sequence;
        while (true)
        {
            JournalBatch? batch = null;
            await using (var command = dataSource.CreateCommand("SELECT seq, payload FROM insiders_journal WHERE writer = $1 AND seq > $2 ORDER BY seq LIMIT 1"))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = writer });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    batch = new JournalBatch(reader.GetInt64(0), LineBatchCodec.Decode(reader.GetFieldValue<byte[]>(1)));
                }
            }

            if (batch is null)
            {
                yield break;
            }

            yield return batch;
            after = batch.Sequence;
        }
    }
}
