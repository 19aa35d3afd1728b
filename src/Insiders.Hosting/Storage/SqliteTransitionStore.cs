using System.Globalization;
using Insiders.Customers;
using Insiders.Infrastructure;
using Insiders.Telemetry;

namespace Insiders.Storage;

/// <summary>
/// Insider entries and exits in the embedded database (table <c>insiders_transitions</c>), exactly once per (customer,
/// sequence); only rows inserted for the first time are counted in <see cref="InsidersTelemetry.Transitions"/>.
/// Written through the state file's <see cref="SqliteStateWriter"/>: calls made while a commit runs share the next
/// transaction (with the grain states written meanwhile), and a call returns once its rows are committed.
/// </summary>
public sealed class SqliteTransitionStore(SqliteDatabase database, InsidersMetrics metrics) : IInsiderTransitionStore
{
    private const string Insert = """
        INSERT INTO insiders_transitions (customer_id, sequence, at, model_version, from_segment, to_segment, entered)
        VALUES ($customer, $sequence, $at, $version, $from, $to, $entered)
        ON CONFLICT (customer_id, sequence) DO NOTHING
        """;

    public async Task RecordAsync(IReadOnlyList<InsiderTransition> transitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        if (transitions.Count == 0)
        {
            return;
        }

        var (entries, exits) = await database.StateWriter.WriteAsync(batch => Write(batch, transitions)).ConfigureAwait(false);
        metrics.TransitionsRecorded(entries, exits);
    }

    // Returns the entries and exits inserted for the first time.
    private static (int Entries, int Exits) Write(SqliteWriteBatch batch, IReadOnlyList<InsiderTransition> transitions)
    {
        int entries = 0, exits = 0;
        foreach (var t in transitions)
        {
            var command = batch.Command(Insert);
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

        return (entries, exits);
    }

    public Task<IReadOnlyList<(long Cursor, InsiderTransition Transition)>> ReadAsync(long afterCursor, int limit, CancellationToken cancellationToken = default)
    {
        using var connection = database.OpenConnection();
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
