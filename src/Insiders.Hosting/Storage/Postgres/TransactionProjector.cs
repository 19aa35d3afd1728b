using Insiders.Transactions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Insiders.Storage.Postgres;

/// <summary>
/// Expands journaled batches into <c>insiders_transactions</c> (one row per customer and line identity) off the acknowledgment
/// path. Every silo runs one; <c>FOR UPDATE SKIP LOCKED</c> hands each batch to exactly one of them. A batch is copied
/// straight into the table; one holding a line already present is merged without it instead, so a batch expanded
/// twice (crash between insert and mark) or sent twice stores nothing twice.
/// </summary>
public sealed partial class TransactionProjector(NpgsqlDataSource dataSource, ILogger<TransactionProjector> logger) : BackgroundService
{
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Expands pending batches until none is left; returns the number of batches expanded.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (await ProjectOneAsync(cancellationToken))
        {
            total++;
        }

        return total;
    }

    // Survives database outages: any failure is logged and the loop backs off (1 s doubling to 30 s) and tries again;
    // a batch whose expansion failed stays unprojected and is claimed again.
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (backoff > TimeSpan.Zero)
                {
                    await Task.Delay(backoff, stoppingToken);
                }

                if (await DrainAsync(stoppingToken) == 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }

                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                dataSource.Clear(); // connections broken by a server restart must not be handed out again
                backoff = TimeSpan.FromTicks(Math.Clamp(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks, s_maxBackoff.Ticks));
                LogFailed(logger, e, backoff.TotalSeconds);
            }
        }
    }

    private async Task<bool> ProjectOneAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        long seq;
        DateTime received;
        TransactionLine[] lines;
        await using (var claim = new NpgsqlCommand(
            "SELECT seq, received_at, payload FROM insiders_journal WHERE NOT projected ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED", connection, tx))
        await using (var reader = await claim.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return false;
            }

            seq = reader.GetInt64(0);
            received = reader.GetDateTime(1);
            lines = LineBatchCodec.Decode(reader.GetFieldValue<byte[]>(2));
        }

        // The common case, a batch none of whose lines is stored yet, is copied straight into the table. A batch
        // holding a line already stored (a re-sent batch, or this one expanded before a crash lost its mark) fails
        // the primary key as a whole; it is then staged and merged, skipping the lines already there.
        await tx.SaveAsync("direct", cancellationToken);
        try
        {
            await CopyAsync(connection, "insiders_transactions", lines, seq, received, cancellationToken);
            await tx.ReleaseAsync("direct", cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await tx.RollbackAsync("direct", cancellationToken);
            await MergeAsync(connection, tx, lines, seq, received, cancellationToken);
        }

        await using (var mark = new NpgsqlCommand("UPDATE insiders_journal SET projected = true WHERE seq = $1", connection, tx))
        {
            mark.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seq });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return true;
    }

    private static async Task MergeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, TransactionLine[] lines, long seq, DateTime received, CancellationToken cancellationToken)
    {
        await using (var stage = new NpgsqlCommand(
            "CREATE TEMP TABLE IF NOT EXISTS insiders_stage (LIKE insiders_transactions) ON COMMIT DELETE ROWS", connection, tx))
        {
            await stage.ExecuteNonQueryAsync(cancellationToken);
        }

        await CopyAsync(connection, "insiders_stage", lines, seq, received, cancellationToken);
        await using var move = new NpgsqlCommand("INSERT INTO insiders_transactions SELECT * FROM insiders_stage ON CONFLICT (customer_id, line_id) DO NOTHING", connection, tx);
        await move.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string table, TransactionLine[] lines, long seq, DateTime received, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            $"COPY {table} (line_id, invoice_no, stock_code, quantity, invoice_date, unit_price, customer_id, country, journal_seq, received_at) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var line in lines)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(unchecked((long)line.LineId), NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteAsync(line.InvoiceNo, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(line.StockCode, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(line.Quantity, NpgsqlDbType.Integer, cancellationToken);
            await copy.WriteAsync(line.InvoiceDate, NpgsqlDbType.Timestamp, cancellationToken);
            await copy.WriteAsync(line.UnitPrice, NpgsqlDbType.Numeric, cancellationToken);
            await copy.WriteAsync(line.CustomerId, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(line.Country, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(seq, NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteAsync(received, NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Projecting journaled batches into insiders_transactions failed; retrying in {Seconds} s")]
    private static partial void LogFailed(ILogger logger, Exception exception, double seconds);
}
