using Insiders.Customers;
using Insiders.Infrastructure;
using Insiders.Telemetry;
using Npgsql;

namespace Insiders.Storage.Postgres;

/// <summary>
/// Insider entries and exits in PostgreSQL (table <c>insiders_transitions</c>), exactly once per (customer, sequence);
/// only rows inserted for the first time are counted in <see cref="InsidersTelemetry.Transitions"/>.
/// </summary>
public sealed class PostgresTransitionStore(NpgsqlDataSource dataSource, InsidersMetrics metrics) : IInsiderTransitionStore
{
    public Task RecordAsync(IReadOnlyList<InsiderTransition> transitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        return transitions.Count == 0 ? Task.CompletedTask : PostgresRetry.RunAsync(dataSource, ct => InsertAsync(transitions, ct), cancellationToken);
    }

    // Idempotent (ON CONFLICT DO NOTHING), so a retry after an unanswered commit records nothing twice.
    private async Task InsertAsync(IReadOnlyList<InsiderTransition> transitions, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO insiders_transitions (customer_id, sequence, at, model_version, from_segment, to_segment, entered)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::bigint[], $5::integer[], $6::integer[], $7::boolean[])
            ORDER BY 2
            ON CONFLICT (customer_id, sequence) DO NOTHING
            RETURNING entered
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = transitions.Select(t => t.CustomerId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = transitions.Select(t => t.Sequence).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = transitions.Select(t => t.At.ToUniversalTime()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = transitions.Select(t => t.ModelVersion).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = transitions.Select(t => t.FromSegment).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = transitions.Select(t => t.ToSegment).ToArray() });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = transitions.Select(t => t.Entered).ToArray() });
        int entries = 0, exits = 0;
        await using (var inserted = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await inserted.ReadAsync(cancellationToken))
            {
                if (inserted.GetBoolean(0))
                {
                    entries++;
                }
                else
                {
                    exits++;
                }
            }
        }

        metrics.TransitionsRecorded(entries, exits);
    }

    public async Task<IReadOnlyList<(long Cursor, InsiderTransition Transition)>> ReadAsync(long afterCursor, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT cursor, customer_id, sequence, at, model_version, from_segment, to_segment, entered
            FROM insiders_transitions WHERE cursor > $1 ORDER BY cursor LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterCursor });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var page = new List<(long, InsiderTransition)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add((reader.GetInt64(0), new InsiderTransition(
                reader.GetString(1),
                reader.GetInt64(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6),
                reader.GetBoolean(7))));
        }

        return page;
    }
}
