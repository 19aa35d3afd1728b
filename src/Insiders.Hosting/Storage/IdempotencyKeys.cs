using System.Globalization;
using Insiders.Storage.Postgres;
using Npgsql;

namespace Insiders.Storage;

/// <summary>
/// Which lines each <c>Idempotency-Key</c> was first used with. A key names its lines (the key plus the line number is
/// each line's identity), so a key sent again with different lines would have its new lines taken for duplicates of
/// the old ones and silently dropped: the API refuses that instead.
/// </summary>
public interface IIdempotencyKeys
{
    /// <summary>Records <paramref name="fingerprint"/> for <paramref name="key"/> unless the key is known; returns the fingerprint the key belongs to.</summary>
    Task<string> ClaimAsync(string key, string fingerprint, CancellationToken cancellationToken = default);
}

/// <summary>Keys in the embedded database (table <c>insiders_idempotency_keys</c>).</summary>
public sealed class SqliteIdempotencyKeys(SqliteDatabase database, TimeProvider time) : IIdempotencyKeys
{
    public Task<string> ClaimAsync(string key, string fingerprint, CancellationToken cancellationToken = default)
    {
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO insiders_idempotency_keys (idempotency_key, fingerprint, first_seen) VALUES ($key, $fingerprint, $now)
            ON CONFLICT (idempotency_key) DO NOTHING;
            SELECT fingerprint FROM insiders_idempotency_keys WHERE idempotency_key = $key;
            """;
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$fingerprint", fingerprint);
        command.Parameters.AddWithValue("$now", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        return Task.FromResult((string)command.ExecuteScalar()!);
    }
}

/// <summary>Keys in PostgreSQL (table <c>insiders_idempotency_keys</c>); idempotent, so transient failures are retried.</summary>
public sealed class PostgresIdempotencyKeys(NpgsqlDataSource dataSource) : IIdempotencyKeys
{
    public Task<string> ClaimAsync(string key, string fingerprint, CancellationToken cancellationToken = default) =>
        PostgresRetry.RunAsync(dataSource, async ct =>
        {
            // Two statements: when the insert meets a key another transaction is claiming, it waits for that commit and
            // inserts nothing; only a new statement's snapshot then sees the winner's row.
            await using (var insert = dataSource.CreateCommand("""
                INSERT INTO insiders_idempotency_keys (idempotency_key, fingerprint) VALUES ($1, $2)
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING fingerprint
                """))
            {
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fingerprint });
                if (await insert.ExecuteScalarAsync(ct) is string claimed)
                {
                    return claimed;
                }
            }

            await using var select = dataSource.CreateCommand("SELECT fingerprint FROM insiders_idempotency_keys WHERE idempotency_key = $1");
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            return (string)(await select.ExecuteScalarAsync(ct))!;
        }, cancellationToken);
}
