using Insiders.Storage.Postgres;
using Npgsql;

namespace Insiders.PostgresTests;

/// <summary>A fresh database on the shared server, with the Orleans schema applied through <see cref="PostgresSchema"/>.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private TestDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>A cluster id of its own for the silos a test starts on this database.</summary>
    public string ClusterId { get; } = NewId("cluster");

    /// <summary>A service id of its own (grain state and reminders are keyed by it).</summary>
    public string ServiceId { get; } = NewId("service");

    /// <summary>A unique id (cluster, service, grain key), so that nothing leaks between tests.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}";

    public static async Task<TestDatabase> CreateAsync(PostgresServer server, string prefix, bool applySchema = true)
    {
        var db = new TestDatabase(await server.CreateDatabaseAsync($"{prefix}_{Guid.NewGuid().ToString("N")[..12]}"));
        if (applySchema)
        {
            await PostgresSchema.ApplyAsync(db.DataSource, TestContext.Current.CancellationToken);
        }

        return db;
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public async Task<List<object?[]>> RowsAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            var row = new object?[reader.FieldCount];
            reader.GetValues(row!);
            rows.Add(row.Select(v => v is DBNull ? null : v).ToArray());
        }

        return rows;
    }

    private NpgsqlCommand Command(string sql, (string Name, object? Value)[] parameters)
    {
        var command = DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public async ValueTask DisposeAsync() => await DataSource.DisposeAsync();
}
