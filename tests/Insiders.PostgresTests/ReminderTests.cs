using Microsoft.Extensions.Hosting;

namespace Insiders.PostgresTests;

/// <summary>Reminders through the ADO.NET reminder table on PostgreSQL (periods of a second, see <see cref="TestSilos"/>).</summary>
public sealed class ReminderTests(PostgresServer server)
{
    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Reminder_AfterFullClusterRestart_FiresOnTheNewCluster()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(server, "reminders");
        var key = TestDatabase.NewId("restart");

        var first = await TestSilos.StartSiloAsync(db.ConnectionString, TestDatabase.NewId("cluster-a"), db.ServiceId, ct);
        var firstSilo = first.SiloAddress();
        try
        {
            await first.Grains().GetGrain<IReminderProbeGrain>(key).StartAsync(s_period);
            await WaitForFiringsAsync(key, f => f.Silo == firstSilo);
        }
        finally
        {
            await TestSilos.StopAllAsync(first);
        }

        // Nothing of the first cluster is left but the rows in PostgreSQL; nobody calls the grain on the second one.
        Assert.Equal(1L, await StoredRemindersAsync(db));
        var second = await TestSilos.StartSiloAsync(db.ConnectionString, TestDatabase.NewId("cluster-b"), db.ServiceId, ct);
        try
        {
            var secondSilo = second.SiloAddress();
            await WaitForFiringsAsync(key, f => f.Silo == secondSilo);

            await second.Grains().GetGrain<IReminderProbeGrain>(key).StopAsync();
            Assert.Equal(0L, await StoredRemindersAsync(db));
        }
        finally
        {
            await TestSilos.StopAllAsync(second);
        }
    }

    [Fact]
    public async Task Reminders_OnTwoSiloCluster_FireOncePerTickOnOneSilo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(server, "reminders");
        var silos = await TestSilos.StartSilosAsync(2, db.ConnectionString, db.ClusterId, db.ServiceId, ct);
        try
        {
            // Register only once both silos see each other, so the reminder ring is not being split while the test counts.
            foreach (var silo in silos)
            {
                var management = silo.Grains().GetGrain<IManagementGrain>(0);
                await ClusteringTests.WaitForAsync(() => management.GetHosts(onlyActive: true), hosts => hosts.Count == 2);
            }

            var keys = Enumerable.Range(0, 6).Select(i => TestDatabase.NewId($"tick{i}")).ToArray();
            await Task.WhenAll(keys.Select(k => silos[0].Grains().GetGrain<IReminderProbeGrain>(k).StartAsync(s_period)));
            var registered = DateTime.UtcNow;
            Assert.Equal(keys.Length, await StoredRemindersAsync(db));
            await Task.Delay(TimeSpan.FromSeconds(6), ct);
            await Task.WhenAll(keys.Select(k => silos[1].Grains().GetGrain<IReminderProbeGrain>(k).StopAsync()));
            var elapsed = DateTime.UtcNow - registered;

            var expectedSilos = silos.Select(s => s.SiloAddress()).ToHashSet();
            foreach (var key in keys)
            {
                var firings = ReminderProbeGrain.Firings.Where(f => f.GrainKey == key).ToList();
                Assert.InRange(firings.Count, 3, (int)(elapsed / s_period) + 1);
                Assert.Equal(firings.Count, firings.Select(f => f.TickTime).Distinct().Count()); // no tick delivered twice
                var silo = Assert.Single(firings.Select(f => f.Silo).Distinct());
                Assert.Contains(silo, expectedSilos);
            }
        }
        finally
        {
            await TestSilos.StopAllAsync(silos);
        }
    }

    private static Task<long> StoredRemindersAsync(TestDatabase db) =>
        db.ScalarAsync<long>("SELECT count(*) FROM OrleansRemindersTable WHERE ServiceId = @service", ("service", db.ServiceId));

    private static Task WaitForFiringsAsync(string key, Func<ReminderFiring, bool> match) =>
        ClusteringTests.WaitForAsync(
            () => Task.FromResult(ReminderProbeGrain.Firings.Count(f => f.GrainKey == key && match(f))),
            count => count > 0);
}
