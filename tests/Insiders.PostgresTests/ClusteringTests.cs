using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Insiders.PostgresTests;

public sealed class ClusteringTests(PostgresServer server)
{
    private const int Active = 3;
    private const int Dead = 6;

    [Fact]
    public async Task TwoSilos_JoinThroughPostgres_AndServeCallsAcrossEachOther()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(server, "clustering");

        var silos = await TestSilos.StartSilosAsync(2, db.ConnectionString, db.ClusterId, db.ServiceId, ct);
        var (silo1, silo2) = (silos[0], silos[1]);
        IHost? client = null;
        try
        {
            // Both silos are Active in the membership table, under this cluster id.
            var members = await WaitForAsync(
                () => MembersAsync(db),
                rows => rows.Count(r => r.Status == Active) == 2);
            Assert.Equal(
                new[] { silo1.SiloAddress(), silo2.SiloAddress() }.Order(StringComparer.Ordinal),
                members.Select(m => m.Silo).Order(StringComparer.Ordinal));
            // Times are stored as instants (the test server's time zone is not UTC): they read back as now, in UTC.
            Assert.All(members, m => Assert.InRange(m.IAmAliveTime, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1)));
            Assert.All(members, m => Assert.InRange(m.StartTime, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1)));

            // One grain on each silo (PreferLocalPlacement: placed where first called from) ...
            Assert.Equal(silo1.SiloAddress(), await silo1.Grains().GetGrain<IWhereGrain>("one").SiloAsync());
            Assert.Equal(silo2.SiloAddress(), await silo2.Grains().GetGrain<IWhereGrain>("two").SiloAsync());

            // ... and a client that found the gateways in PostgreSQL reaches both, including a call from one to the other.
            client = await TestSilos.StartClientAsync(db.ConnectionString, db.ClusterId, db.ServiceId, ct);
            var one = client.Grains().GetGrain<IWhereGrain>("one");
            Assert.Equal(silo1.SiloAddress(), await one.SiloAsync());
            Assert.Equal(silo2.SiloAddress(), await one.SiloOfAsync("two"));
            Assert.Equal(silo1.SiloAddress(), await client.Grains().GetGrain<IWhereGrain>("two").SiloOfAsync("one"));

            // A silo that shuts down is marked Dead; the defunct-entry clean-up then removes its row, and only its row.
            var stopped = silo2.SiloAddress();
            await TestSilos.StopAllAsync(silo2);
            await WaitForAsync(() => MembersAsync(db), rows => rows.Any(r => r.Silo == stopped && r.Status == Dead));

            var table = silo1.Services.GetRequiredService<IMembershipTable>();
            await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddSeconds(1), ct);

            var left = await MembersAsync(db);
            Assert.Equal([(silo1.SiloAddress(), Active)], left.Select(m => (m.Silo, m.Status)));
        }
        finally
        {
            await TestSilos.StopAllAsync(new[] { client, silo1 }.OfType<IHost>().ToArray());
        }
    }

    private sealed record Member(string Silo, int Status, DateTime StartTime, DateTime IAmAliveTime);

    private static async Task<List<Member>> MembersAsync(TestDatabase db) =>
        (await db.RowsAsync(
            "SELECT Address, Port, Generation, Status, StartTime, IAmAliveTime FROM OrleansMembershipTable WHERE DeploymentId = @cluster",
            ("cluster", db.ClusterId)))
        .Select(r => new Member($"{r[0]}:{r[1]}@{r[2]}", (int)r[3]!, (DateTime)r[4]!, (DateTime)r[5]!))
        .ToList();

    internal static async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Condition not reached within {seconds} s; last value: {value}");
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}
