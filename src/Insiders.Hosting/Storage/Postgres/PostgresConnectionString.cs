using System.Data.Common;
using Npgsql;

namespace Insiders.Storage.Postgres;

/// <summary>
/// The connection string every PostgreSQL component gets (the Orleans providers, the journal, the stores): the user's,
/// with these Npgsql settings added where the user did not set them.
/// <list type="bullet">
/// <item><c>Max Auto Prepare=32</c>, <c>Auto Prepare Min Usages=2</c>: the grain-storage provider, the journal and the
/// read model repeat a few statements thousands of times; prepared, the server stops parsing and planning each one.</item>
/// <item><c>No Reset On Close=true</c>: a pooled connection is not reset (<c>DISCARD ALL</c>) each time it goes back to
/// the pool. Nothing here leaves session state behind: no <c>SET</c>, only transaction-level advisory locks, and the
/// projector's staging table is a temporary one it creates if missing and empties at commit.</item>
/// </list>
/// Synthetic-year replay into PostgreSQL: 85k -> 99k lines/s acknowledged, 80k -> 93k persisted (docs/benchmarks.md).
/// </summary>
public static class PostgresConnectionString
{
    private static readonly (string Key, object Value)[] s_defaults =
    [
        ("Max Auto Prepare", 32),
        ("Auto Prepare Min Usages", 2),
        ("No Reset On Close", true),
    ];

    public static string Tune(string connectionString)
    {
        // What the user wrote, parsed by the framework's own parser (quoted values may hold ';' or '='); Npgsql's builder
        // would report every keyword it knows as present.
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>().Select(Compact).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        foreach (var (key, value) in s_defaults)
        {
            if (!written.Contains(Compact(key)))
            {
                builder[key] = value;
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// <paramref name="connectionString"/> with <c>synchronous_commit=off</c> for its sessions (added to the user's
    /// <c>Options</c>, unless these already set <c>synchronous_commit</c>): a commit returns before its WAL record is
    /// flushed to disk. Used for customer grain state only (<see cref="InsidersNames.CustomerStorage"/>), the bulk of
    /// a checkpoint's writes (one per customer touched), where it lost nothing and bought throughput:
    /// <list type="bullet">
    /// <item>PostgreSQL flushes its WAL in order, so a synchronous commit makes every commit logged before it durable
    /// too. A customer's state is only relied on through synchronous commits that follow it: the journal position a
    /// checkpoint records after every customer of the generation has answered its flush, and the entries and exits a
    /// customer records after its state holding them was written (an outbox).</item>
    /// <item>A write still unflushed when the server crashes (at most ~3 × <c>wal_writer_delay</c>, 600 ms by default)
    /// is lost without a journal position covering its lines. The next write of that activation finds the stored
    /// version behind its own and fails (InconsistentStateException); the customer reloads the stored state under a
    /// new activation id, and the checkpoint delivers the journaled lines since its last position again (as for a
    /// silo that died). A customer that had been deactivated comes back from the stored state with a new activation id
    /// and gets the same redelivery.</item>
    /// <item>A client crash loses nothing: the server has the commit; only a server crash can drop it.</item>
    /// </list>
    /// Synthetic year into PostgreSQL, alternating runs: acknowledged 56,438 / 48,093 → 64,581 / 63,053 lines/s
    /// (docs/benchmarks.md).
    /// </summary>
    public static string AsynchronousCommit(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var options = builder.Options ?? "";
        if (!options.Contains("synchronous_commit", StringComparison.OrdinalIgnoreCase))
        {
            builder.Options = (options + " -c synchronous_commit=off").Trim();
        }

        return builder.ConnectionString;
    }

    // A keyword with or without its spaces ("Max Auto Prepare", "MaxAutoPrepare") is the same one.
    private static string Compact(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal);
}
