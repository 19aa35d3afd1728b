using Npgsql;

namespace Insiders.Storage.Postgres;

/// <summary>
/// The connection string every PostgreSQL component gets (the Orleans providers, the journal, the stores): the user's,
/// with two Npgsql settings added where the user did not set them.
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
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        foreach (var (key, value) in s_defaults)
        {
            if (!WasSet(connectionString, key))
            {
                builder[key] = value;
            }
        }

        return builder.ConnectionString;
    }

    // Whether the user wrote the keyword, with or without its spaces ("Max Auto Prepare", "MaxAutoPrepare").
    private static bool WasSet(string connectionString, string key)
    {
        var compact = key.Replace(" ", "", StringComparison.Ordinal);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.Split('=', 2)[0].Trim().Replace(" ", "", StringComparison.Ordinal);
            if (name.Equals(compact, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
