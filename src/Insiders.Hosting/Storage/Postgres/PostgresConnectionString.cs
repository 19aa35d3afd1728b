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
        var written = Written(connectionString);
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
    /// The connection string for customer grain state (<see cref="InsidersNames.CustomerStorage"/>), the bulk of a
    /// checkpoint's writes (one per customer touched): <paramref name="connectionString"/> with
    /// <c>synchronous_commit=off</c> for its sessions (added to the user's <c>Options</c> unless these set
    /// <c>synchronous_commit</c>) and <c>Multiplexing=true</c> (unless the user set <c>Multiplexing</c>).
    /// <list type="bullet">
    /// <item>Asynchronous commit: a commit returns before its WAL record is flushed to disk. PostgreSQL flushes its WAL
    /// in order, so a synchronous commit makes every commit logged before it durable too, and a customer's state is
    /// only relied on through synchronous commits that follow it: the journal position a checkpoint records after every
    /// customer of the generation has answered, and the entries and exits a customer records after writing the state
    /// that holds them (an outbox).</item>
    /// <item>A write still unflushed when the server crashes (at most ~3 × <c>wal_writer_delay</c>, 600 ms by default)
    /// is lost, and no journal position covers its lines yet. The next checkpoint rewrites every customer of its
    /// generation (<c>ICustomerGrain.Rewrite</c>): the stored version is behind the activation's, the write fails
    /// (InconsistentStateException), the customer reloads the stored state under a new activation id, and the
    /// checkpoint delivers the journaled lines since its last position again (as for a silo that died). A customer
    /// deactivated meanwhile comes back under a new activation id and gets the same redelivery. A client crash loses
    /// nothing: the server has the commit.</item>
    /// <item>Multiplexing: the checkpoint's concurrent writes share a few physical connections, written and answered
    /// in batches instead of one round trip each. It suits only writes that do not wait for the disk: on one
    /// connection the server runs them one after another.</item>
    /// </list>
    /// Synthetic year into PostgreSQL, alternating runs (docs/benchmarks.md): both changes to the transactions table
    /// and this commit mode +12% acknowledged; multiplexing on top, 7 pairs, never behind, medians 67,036 → 75,927.
    /// </summary>
    public static string ForCustomerState(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var options = builder.Options ?? "";
        if (!options.Contains("synchronous_commit", StringComparison.OrdinalIgnoreCase))
        {
            builder.Options = (options + " -c synchronous_commit=off").Trim();
        }

        if (!Written(connectionString).Contains(nameof(NpgsqlConnectionStringBuilder.Multiplexing)))
        {
            builder.Multiplexing = true;
        }

        return builder.ConnectionString;
    }

    // What the user wrote, parsed by the framework's own parser (quoted values may hold ';' or '='), keywords without
    // their spaces; Npgsql's builder would report every keyword it knows as present.
    private static HashSet<string> Written(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>().Select(Compact).ToHashSet(StringComparer.OrdinalIgnoreCase);

    // A keyword with or without its spaces ("Max Auto Prepare", "MaxAutoPrepare") is the same one.
    private static string Compact(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal);
}
