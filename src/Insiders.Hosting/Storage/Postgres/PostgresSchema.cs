using Npgsql;

namespace Insiders.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema scripts (<c>deploy/postgres/*.sql</c>, embedded in this assembly): the Orleans ADO.NET
/// clustering, grain storage and reminder tables with their <c>OrleansQuery</c> rows, then the application's tables.
/// </summary>
public static class PostgresSchema
{
    private const string ResourcePrefix = "postgres/";

    /// <summary>Key of the transaction-level advisory lock that serialises concurrent schema applications.</summary>
    public const long AdvisoryLockKey = 0x1A5_1DE5_0C4E_0001;

    /// <summary>The embedded script names (e.g. <c>01-orleans-base.sql</c>), in the order they are applied.</summary>
    public static IReadOnlyList<string> ScriptNames { get; } = typeof(PostgresSchema).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The text of one embedded script.</summary>
    public static string ReadScript(string name)
    {
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new ArgumentException($"No embedded PostgreSQL script named {name}.", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Applies every script in file-name order inside one transaction that first takes a transaction-level advisory
    /// lock, so silos starting together apply it one after the other. The scripts are idempotent: applying them to
    /// an up-to-date database changes nothing but the stored query texts, which it rewrites to the same values.
    /// </summary>
    /// <remarks>
    /// A silo (re)starting next to running ones applies the scripts to a live database: their DDL can deadlock with the
    /// running silos' statements. PostgreSQL then aborts one side; this side rolls back and applies again (a few times).
    /// </remarks>
    public static async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ApplyOnceAsync(dataSource, ct).ConfigureAwait(false);
                return;
            }
            catch (InvalidOperationException e) when (attempt < 10 && e.InnerException is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.LockNotAvailable })
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), ct).ConfigureAwait(false);
            }
        }
    }

    private static async Task ApplyOnceAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            command.Parameters.AddWithValue("key", AdvisoryLockKey);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        foreach (var name in ScriptNames)
        {
            await using var command = new NpgsqlCommand(ReadScript(name), connection, transaction);
            try
            {
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                throw new InvalidOperationException($"Applying PostgreSQL schema script {name} failed: {ex.MessageText}", ex);
            }
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }
}
