using Insiders.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace Insiders.PostgresTests;

/// <summary>The Npgsql settings every PostgreSQL component gets (PostgresConnectionString), on the real server.</summary>
public sealed class PostgresConnectionStringTests(PostgresServer server)
{
    [Fact]
    public void Tune_AddsPreparingAndNoResetOnlyWhereTheUserSetNothing()
    {
        var tuned = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Tune("Host=db;Username=u;Database=d"));
        Assert.Equal(("db", "u", "d"), (tuned.Host, tuned.Username, tuned.Database));
        Assert.Equal((32, 2, true), (tuned.MaxAutoPrepare, tuned.AutoPrepareMinUsages, tuned.NoResetOnClose));

        // The user's own values win, in either spelling of the keyword, including an explicit "off".
        var own = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Tune("Host=db;MaxAutoPrepare=0;Auto Prepare Min Usages=5;no reset on close=false"));
        Assert.Equal((0, 5, false), (own.MaxAutoPrepare, own.AutoPrepareMinUsages, own.NoResetOnClose));

        // A quoted value holding ';' and '=' is a value, not a keyword, and comes through unchanged.
        var quoted = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Tune("Host=db;Password='a;Max Auto Prepare=0'"));
        Assert.Equal(("a;Max Auto Prepare=0", 32), (quoted.Password, quoted.MaxAutoPrepare));
    }

    [Fact]
    public async Task Tune_RepeatedStatementsArePreparedOnTheServerAndStayPreparedAcrossPoolReturns()
    {
        await using var db = await TestDatabase.CreateAsync(server, "connstr");
        await using var dataSource = NpgsqlDataSource.Create(PostgresConnectionString.Tune(db.ConnectionString) + ";Maximum Pool Size=1");
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 3; i++)
        {
            // A new pooled connection object each time (the one physical connection goes back to the pool in between).
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand("SELECT $1::int + 1", connection) { Parameters = { new() { Value = i } } };
            Assert.Equal(i + 1, await command.ExecuteScalarAsync(ct));
        }

        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int + 1%'", connection))
        {
            Assert.Equal(1L, await prepared.ExecuteScalarAsync(ct));
        }

        // Without the tuning the same statements leave nothing prepared (the pool resets each returned connection).
        await using var plain = NpgsqlDataSource.Create(db.ConnectionString + ";Maximum Pool Size=1");
        for (var i = 0; i < 3; i++)
        {
            await using var connection = await plain.OpenConnectionAsync(ct);
            await using var command = new NpgsqlCommand("SELECT $1::int + 2", connection) { Parameters = { new() { Value = i } } };
            await command.ExecuteScalarAsync(ct);
        }

        await using (var connection = await plain.OpenConnectionAsync(ct))
        await using (var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements", connection))
        {
            Assert.Equal(0L, await prepared.ExecuteScalarAsync(ct));
        }
    }

    [Fact]
    public async Task ForCustomerState_AsynchronousCommitAndMultiplexing_OnlyForCustomerState_TheUsersOwnSettingsWin()
    {
        // Added to the user's own options; a synchronous_commit or a multiplexing choice the user made is kept.
        var added = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ForCustomerState("Host=db;Options=-c statement_timeout=5000"));
        Assert.Equal(("-c statement_timeout=5000 -c synchronous_commit=off", true), (added.Options, added.Multiplexing));
        var own = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ForCustomerState("Host=db;Options='-c synchronous_commit=remote_write';multiplexing=false"));
        Assert.Equal(("-c synchronous_commit=remote_write", false), (own.Options, own.Multiplexing));

        // The silo as configured for PostgreSQL, asked on the real server: customer state commits asynchronously; shard
        // and coordinator state, and our own components (journal, journal positions, transitions), synchronously.
        await using var db = await TestDatabase.CreateAsync(server, "asynccommit");
        using var host = InsidersHost.Build(ClusterSettings.ForHost(db.ConnectionString, db.ClusterId, db.ServiceId));
        var storages = host.Services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>();
        var customers = storages.Get(InsidersNames.CustomerStorage).ConnectionString!;
        Assert.True(new NpgsqlConnectionStringBuilder(customers).Multiplexing);
        Assert.Equal("off", await SynchronousCommitAsync(customers));
        Assert.Equal("on", await SynchronousCommitAsync(storages.Get(InsidersNames.Storage).ConnectionString!));
        Assert.Equal("on", await SynchronousCommitAsync(host.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString));
    }

    private static async Task<string> SynchronousCommitAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SHOW synchronous_commit", connection);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
