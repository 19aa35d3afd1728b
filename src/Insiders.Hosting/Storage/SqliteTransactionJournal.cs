using System.Globalization;
using System.Runtime.CompilerServices;
using Insiders.Transactions;
using Microsoft.Data.Sqlite;

namespace Insiders.Storage;

/// <summary>The journal in the embedded database (table <c>insiders_transactions</c>).</summary>
public sealed class SqliteTransactionJournal(SqliteDatabase database, TimeProvider time) : ITransactionJournal
{
    private const string DateFormat = "yyyy-MM-dd HH:mm:ss";
    private const string CheckpointName = "ingestion";

    public Task<JournalAppend> AppendAsync(IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        using var connection = database.OpenConnection();
        using var tx = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO insiders_transactions (line_id, invoice_no, stock_code, quantity, invoice_date, unit_price, customer_id, country, received_at)
            VALUES ($id, $invoice, $stock, $qty, $date, $price, $customer, $country, $received)
            ON CONFLICT (line_id) DO NOTHING
            """;
        var pId = insert.Parameters.Add("$id", SqliteType.Integer);
        var pInvoice = insert.Parameters.Add("$invoice", SqliteType.Text);
        var pStock = insert.Parameters.Add("$stock", SqliteType.Text);
        var pQty = insert.Parameters.Add("$qty", SqliteType.Integer);
        var pDate = insert.Parameters.Add("$date", SqliteType.Text);
        var pPrice = insert.Parameters.Add("$price", SqliteType.Text);
        var pCustomer = insert.Parameters.Add("$customer", SqliteType.Text);
        var pCountry = insert.Parameters.Add("$country", SqliteType.Text);
        insert.Parameters.AddWithValue("$received", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        insert.Prepare();
        var added = new List<TransactionLine>(lines.Count);
        foreach (var line in lines)
        {
            pId.Value = unchecked((long)line.LineId);
            pInvoice.Value = line.InvoiceNo;
            pStock.Value = line.StockCode;
            pQty.Value = line.Quantity;
            pDate.Value = line.InvoiceDate.ToString(DateFormat, CultureInfo.InvariantCulture);
            pPrice.Value = line.UnitPrice.ToString(CultureInfo.InvariantCulture);
            pCustomer.Value = line.CustomerId;
            pCountry.Value = line.Country;
            if (insert.ExecuteNonQuery() == 1)
            {
                added.Add(line);
            }
        }

        long last;
        using (var max = connection.CreateCommand())
        {
            max.Transaction = tx;
            max.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM insiders_transactions";
            last = (long)max.ExecuteScalar()!;
        }

        tx.Commit();
        return Task.FromResult(new JournalAppend(added, last));
    }

    public Task<long> GetCheckpointAsync(CancellationToken cancellationToken = default)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM insiders_checkpoints WHERE name = $name";
        command.Parameters.AddWithValue("$name", CheckpointName);
        return Task.FromResult(command.ExecuteScalar() is long seq ? seq : 0L);
    }

    public Task SetCheckpointAsync(long sequence, CancellationToken cancellationToken = default)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO insiders_checkpoints (name, seq) VALUES ($name, $seq)
            ON CONFLICT (name) DO UPDATE SET seq = MAX(seq, excluded.seq)
            """;
        command.Parameters.AddWithValue("$name", CheckpointName);
        command.Parameters.AddWithValue("$seq", sequence);
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<(long LastSequence, TransactionLine[] Lines)> ReadAfterAsync(long sequence, int batchSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = sequence;
        while (true)
        {
            var batch = new List<TransactionLine>(batchSize);
            long last = after;
            using (var connection = database.OpenConnection())
            using (var command = connection.CreateCommand())
            {
                command.CommandText = """
                    SELECT seq, line_id, invoice_no, stock_code, quantity, invoice_date, unit_price, customer_id, country
                    FROM insiders_transactions WHERE seq > $after ORDER BY seq LIMIT $limit
                    """;
                command.Parameters.AddWithValue("$after", after);
                command.Parameters.AddWithValue("$limit", batchSize);
                using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    last = reader.GetInt64(0);
                    batch.Add(new TransactionLine(
                        unchecked((ulong)reader.GetInt64(1)),
                        reader.GetString(2),
                        reader.GetString(3),
                        reader.GetInt32(4),
                        DateTime.ParseExact(reader.GetString(5), DateFormat, CultureInfo.InvariantCulture),
                        decimal.Parse(reader.GetString(6), CultureInfo.InvariantCulture),
                        reader.GetString(7),
                        reader.GetString(8)));
                }
            }

            if (batch.Count == 0)
            {
                yield break;
            }

            yield return (last, batch.ToArray());
            after = last;
        }
    }
}
