using System.Globalization;
using System.Runtime.CompilerServices;
using Insiders.Transactions;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>
/// The journal in the embedded database: batches in <c>insiders_journal</c> of the journal file, checkpoints in
/// <c>insiders_checkpoints</c> of the state file (committed after the grain-state writes they cover, in the same log).
/// </summary>
public sealed class SqliteTransactionJournal(SqliteDatabase database, TimeProvider time) : ITransactionJournal
{
    public Task<long> AppendAsync(string writer, IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var payload = LineBatchCodec.Encode(lines);
        using var connection = database.OpenJournalConnection();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO insiders_journal (writer, line_count, first_event, last_event, payload, received_at)
            VALUES ($writer, $count, $first, $last, $payload, $received)
            RETURNING seq
            """;
        insert.Parameters.AddWithValue("$writer", writer);
        insert.Parameters.AddWithValue("$count", lines.Count);
        insert.Parameters.AddWithValue("$first", lines.Count == 0 ? DBNull.Value : Stamp(lines.Min(l => l.InvoiceDate)));
        insert.Parameters.AddWithValue("$last", lines.Count == 0 ? DBNull.Value : Stamp(lines.Max(l => l.InvoiceDate)));
        insert.Parameters.Add("$payload", SqliteType.Blob).Value = payload;
        insert.Parameters.AddWithValue("$received", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        return Task.FromResult((long)insert.ExecuteScalar()!);
    }

    public Task<long> GetCheckpointAsync(string writer, CancellationToken cancellationToken = default)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM insiders_checkpoints WHERE writer = $writer";
        command.Parameters.AddWithValue("$writer", writer);
        return Task.FromResult(command.ExecuteScalar() is long seq ? seq : 0L);
    }

    public Task SetCheckpointAsync(string writer, long sequence, CancellationToken cancellationToken = default)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO insiders_checkpoints (writer, seq, updated_at) VALUES ($writer, $seq, $now)
            ON CONFLICT (writer) DO UPDATE SET seq = MAX(seq, excluded.seq), updated_at = excluded.updated_at
            """;
        command.Parameters.AddWithValue("$writer", writer);
        command.Parameters.AddWithValue("$seq", sequence);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> PendingWritersAsync(CancellationToken cancellationToken = default)
    {
        var checkpoints = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var connection = database.OpenConnection())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT writer, seq FROM insiders_checkpoints";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                checkpoints[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var writers = new List<string>();
        using (var journal = database.OpenJournalConnection())
        using (var command = journal.CreateCommand())
        {
            command.CommandText = "SELECT writer, MAX(seq) FROM insiders_journal GROUP BY writer";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (reader.GetInt64(1) > checkpoints.GetValueOrDefault(reader.GetString(0)))
                {
                    writers.Add(reader.GetString(0));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(writers);
    }

    public async IAsyncEnumerable<JournalBatch> ReadAfterAsync(string writer, long sequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = sequence;
        while (true)
        {
            JournalBatch? batch = null;
            using (var connection = database.OpenJournalConnection())
            using (var command = connection.CreateCommand())
            {
                // One batch per query: a batch can be large, and a reader open across yields would hold the connection.
                command.CommandText = "SELECT seq, payload FROM insiders_journal WHERE writer = $writer AND seq > $after ORDER BY seq LIMIT 1";
                command.Parameters.AddWithValue("$writer", writer);
                command.Parameters.AddWithValue("$after", after);
                using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    batch = new JournalBatch(reader.GetInt64(0), LineBatchCodec.Decode((byte[])reader.GetValue(1)));
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

    private static string Stamp(DateTime value) => value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
