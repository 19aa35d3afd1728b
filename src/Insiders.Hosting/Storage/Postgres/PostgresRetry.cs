using Npgsql;

namespace Insiders.Storage.Postgres;

/// <summary>
/// Rides out short PostgreSQL outages (a restart, a failover, a dropped connection): transient failures are retried
/// with backoff for a bounded time, then reported as <see cref="StorageUnavailableException"/>. Only for commands that
/// can run twice harmlessly (idempotent, or whose duplicate is absorbed by line identity). After a failure the data
/// source's idle connections are dropped, so that connections broken by a server restart are not handed out again.
/// </summary>
public static class PostgresRetry
{
    /// <summary>How long one operation keeps retrying before giving up.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan s_maxDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Npgsql's own classification (network errors, timeouts, "too many connections", serialization failures…) plus
    /// the shutdown states a restarting server sends (57P01 admin shutdown, 57P02 crash shutdown, 57P03 starting up).
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException p => p.IsTransient || p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
        NpgsqlException n => n.IsTransient,
        _ => false,
    };

    public static async Task<T> RunAsync<T>(NpgsqlDataSource dataSource, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(operation);
        var deadline = DateTime.UtcNow + Timeout;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await operation(cancellationToken);
            }
            catch (Exception e) when (IsTransient(e))
            {
                dataSource.Clear();
                if (DateTime.UtcNow + delay > deadline)
                {
                    throw new StorageUnavailableException($"PostgreSQL is unavailable (retried for {Timeout.TotalSeconds:F0} s): {e.Message}", e);
                }

                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_maxDelay.Ticks));
            }
        }
    }

    public static Task RunAsync(NpgsqlDataSource dataSource, Func<CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        RunAsync(dataSource, async ct =>
        {
            await operation(ct);
            return true;
        }, cancellationToken);
}
