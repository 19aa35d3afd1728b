using Insiders.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Insiders.Silo.Observability;

/// <summary>
/// Readiness: the storage answers. Embedded: the SQLite file opens (read-write, never created, outside the connection
/// pool) and can be queried. PostgreSQL: <c>SELECT 1</c> on the silo's data source.
/// </summary>
internal sealed class StorageHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            if (services.GetService<NpgsqlDataSource>() is { } postgres)
            {
                await using var command = postgres.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy("PostgreSQL answers.");
            }

            if (services.GetService<SqliteDatabase>() is { } sqlite)
            {
                var probe = new SqliteConnectionStringBuilder(sqlite.ConnectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
                await using var connection = new SqliteConnection(probe.ToString());
                await connection.OpenAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT count(*) FROM sqlite_master";
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy($"SQLite file {probe.DataSource} opens.");
            }

            return HealthCheckResult.Unhealthy("No storage is configured.");
        }
        catch (Exception e) when (e is NpgsqlException or SqliteException or InvalidOperationException or IOException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Storage unreachable: {e.Message}");
        }
    }
}
