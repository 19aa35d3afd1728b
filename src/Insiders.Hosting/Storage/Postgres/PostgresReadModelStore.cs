using Insiders.Clustering;
using Insiders.Customers;
using Insiders.Infrastructure;
using Npgsql;

namespace Insiders.Storage.Postgres;

/// <summary>Current customers, model versions and segment profiles in PostgreSQL, for BI (see the bi_* views).</summary>
public sealed class PostgresReadModelStore(NpgsqlDataSource dataSource) : IReadModelStore
{
    public Task UpsertCustomersAsync(IReadOnlyList<CustomerReport> reports, DateOnly asOf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reports);
        return PostgresRetry.RunAsync(dataSource, ct => UpsertAsync(reports, asOf, ct), cancellationToken);
    }

    public Task RecordModelAsync(SegmentModel model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PostgresRetry.RunAsync(dataSource, ct => InsertModelAsync(model, ct), cancellationToken);
    }

    // Both writes are idempotent (upsert; insert-if-absent in one transaction), so PostgresRetry may run them again.
    private async Task UpsertAsync(IReadOnlyList<CustomerReport> reports, DateOnly asOf, CancellationToken cancellationToken)
    {
        // Never measured before the customer's own latest activity: a silo whose clock lags (it just started and has
        // only replayed older batches) would otherwise see no purchases yet and leave the customer out for good.
        var rows = reports
            .Select(r => (Report: r, AsOf: r.History.LastActivity is { } last && last > asOf ? last : asOf))
            .Select(x => (x.Report, x.AsOf, Features: x.Report.History.FeaturesAt(x.AsOf)))
            .Where(x => x.Features is not null)
            .Select(x => (x.Report, x.AsOf, Features: x.Features!))
            .ToArray();
        if (rows.Length == 0)
        {
            return;
        }

        await using var command = dataSource.CreateCommand("""
            INSERT INTO insiders_customers (customer_id, gross_revenue, returns_value, net_revenue, qty_invoices, qty_items,
                qty_products, qty_returns, recency_days, avg_ticket, avg_basket_size, avg_recency_days, frequency,
                return_rate, as_of, segment, is_insider, model_version, updated_at)
            SELECT u.*, now() FROM unnest($1::text[], $2::numeric[], $3::numeric[], $4::numeric[], $5::integer[], $6::bigint[],
                $7::integer[], $8::bigint[], $9::integer[], $10::float8[], $11::float8[], $12::float8[], $13::float8[],
                $14::float8[], $15::date[], $16::integer[], $17::boolean[], $18::bigint[]) AS u
            ON CONFLICT (customer_id) DO UPDATE SET
                gross_revenue = excluded.gross_revenue, returns_value = excluded.returns_value,
                net_revenue = excluded.net_revenue, qty_invoices = excluded.qty_invoices, qty_items = excluded.qty_items,
                qty_products = excluded.qty_products, qty_returns = excluded.qty_returns,
                recency_days = excluded.recency_days, avg_ticket = excluded.avg_ticket,
                avg_basket_size = excluded.avg_basket_size, avg_recency_days = excluded.avg_recency_days,
                frequency = excluded.frequency, return_rate = excluded.return_rate, as_of = excluded.as_of,
                segment = excluded.segment, is_insider = excluded.is_insider, model_version = excluded.model_version,
                updated_at = excluded.updated_at
            """);
        Add(command, rows.Select(r => r.Features.CustomerId));
        Add(command, rows.Select(r => r.Features.GrossRevenue));
        Add(command, rows.Select(r => r.Features.ReturnsValue));
        Add(command, rows.Select(r => r.Features.NetRevenue));
        Add(command, rows.Select(r => r.Features.QtyInvoices));
        Add(command, rows.Select(r => r.Features.QtyItems));
        Add(command, rows.Select(r => r.Features.QtyProducts));
        Add(command, rows.Select(r => r.Features.QtyReturns));
        Add(command, rows.Select(r => r.Features.RecencyDays));
        Add(command, rows.Select(r => r.Features.AvgTicket));
        Add(command, rows.Select(r => r.Features.AvgBasketSize));
        Add(command, rows.Select(r => r.Features.AvgRecencyDays));
        Add(command, rows.Select(r => r.Features.Frequency));
        Add(command, rows.Select(r => r.Features.ReturnRate));
        Add(command, rows.Select(r => r.AsOf));
        Add(command, rows.Select(r => r.Report.SegmentId));
        // A classified customer is an Insider or not: a sweep relabels one whose grain has not classified itself yet
        // with its flag still unset (null), which here means "not an Insider".
        Add(command, rows.Select(r => r.Report.SegmentId is null ? r.Report.IsInsider : r.Report.IsInsider == true));
        Add(command, rows.Select(r => r.Report.ModelVersion));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task InsertModelAsync(SegmentModel model, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO insiders_models (version, trained_at, as_of, k, silhouette, customers, insider_customers,
                insider_rule, hysteresis_margin, backtest_capture)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (version) DO NOTHING
            """, connection, tx))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = model.Version });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = model.TrainedAt.ToUniversalTime() });
            insert.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = model.AsOf });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = model.K });
            insert.Parameters.Add(new NpgsqlParameter<double> { TypedValue = model.Silhouette });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = model.Customers });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = model.InsiderCustomers });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = model.InsiderRule });
            insert.Parameters.Add(new NpgsqlParameter<double> { TypedValue = model.HysteresisMargin });
            insert.Parameters.Add(new NpgsqlParameter<double?> { TypedValue = model.InternalBacktestCapture });
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return; // already recorded (a retried write)
            }
        }

        var profiles = model.Segments.Select(s => s.Profile).ToArray();
        await using (var segments = new NpgsqlCommand("""
            INSERT INTO insiders_segments (model_version, segment_id, is_insider, customers, share_of_customers,
                share_of_revenue, mean_gross_revenue, mean_net_revenue, mean_recency_days, mean_frequency,
                mean_qty_invoices, mean_qty_products, mean_returns_value, mean_return_rate, mean_avg_ticket)
            SELECT $1, u.* FROM unnest($2::integer[], $3::boolean[], $4::integer[], $5::float8[], $6::float8[],
                $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::float8[],
                $14::float8[], $15::float8[]) AS u
            """, connection, tx))
        {
            segments.Parameters.Add(new NpgsqlParameter<long> { TypedValue = model.Version });
            Add(segments, profiles.Select(p => p.SegmentId));
            Add(segments, profiles.Select(p => p.IsInsider));
            Add(segments, profiles.Select(p => p.Customers));
            Add(segments, profiles.Select(p => p.ShareOfCustomers));
            Add(segments, profiles.Select(p => p.ShareOfRevenue));
            Add(segments, profiles.Select(p => p.MeanGrossRevenue));
            Add(segments, profiles.Select(p => p.MeanNetRevenue));
            Add(segments, profiles.Select(p => p.MeanRecencyDays));
            Add(segments, profiles.Select(p => p.MeanFrequency));
            Add(segments, profiles.Select(p => p.MeanQtyInvoices));
            Add(segments, profiles.Select(p => p.MeanQtyProducts));
            Add(segments, profiles.Select(p => p.MeanReturnsValue));
            Add(segments, profiles.Select(p => p.MeanReturnRate));
            Add(segments, profiles.Select(p => p.MeanAvgTicket));
            await segments.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
    }

    private static void Add<T>(NpgsqlCommand command, IEnumerable<T> values) =>
        command.Parameters.Add(new NpgsqlParameter<T[]> { TypedValue = values.ToArray() });
}
