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

    // A keyword with or without its spaces ("Max Auto Prepare", "MaxAutoPrepare") is the same one.
    private static string Compact(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal);
}
