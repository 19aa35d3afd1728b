using System.Globalization;
using Insiders.Cli;
using Insiders.Cli.Commands;
using Insiders.Customers;
using Insiders.Ingestion;
using Insiders.Segmentation;
using Insiders.Storage.Postgres;
using Insiders.Tests;
using Insiders.Transactions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Insiders.PostgresTests;

/// <summary>
/// Insiders itself on PostgreSQL: the CLI replay, a cluster of silos with one killed mid-replay, the retraining
/// schedule across silos and restarts, and the BI tables — each checked against an independent batch recompute.
/// </summary>
public sealed class InsidersClusterTests(PostgresServer server) : IDisposable
{
    private const int ActiveStatus = 3;
    private readonly string _dir = TestData.NewTempDirectory("pg-cluster");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task ReplayPostgres_SixMonthFile_FeaturesEqualBatchRecompute_BiViewsAgree_ReplayAgainChangesNothing()
    {
        // The database is empty: the replay's silo applies the schema itself (Insiders:ApplySchema defaults to true).
        await using var db = await TestDatabase.CreateAsync(server, "replay", applySchema: false);
        var export = Path.Combine(_dir, "features.csv");
        var summary = await ReplayAsync(db.ConnectionString, export);
        Assert.Contains("148,286 accepted", summary, StringComparison.Ordinal);

        var clean = BatchRecompute.ReadClean(TestData.SixMonths);
        var expected = BatchRecompute.Compute(clean, clean.Max(r => r.Date));
        var (_, rows) = FeatureExport.Read(export);
        FeatureExport.AssertEqualsBatch(expected, rows);

        // BI tables: the same customers and money, the model and its profiles, every acknowledged line once.
        Assert.Equal(rows.Count, await db.ScalarAsync<long>("SELECT count(*) FROM bi_customers"));
        Assert.Equal(rows.Sum(r => r.Gross), await db.ScalarAsync<decimal>("SELECT sum(gross_revenue) FROM bi_customers"));
        Assert.Equal(rows.Count(r => r.IsInsider), await db.ScalarAsync<long>("SELECT count(*) FROM bi_insiders"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM bi_model_versions"));
        var k = await db.ScalarAsync<int>("SELECT k FROM bi_model_versions");
        Assert.Equal((long)k, await db.ScalarAsync<long>("SELECT count(*) FROM bi_segment_profiles WHERE is_current"));
        Assert.Equal(rows.Count(r => r.IsInsider), await db.ScalarAsync<long>("SELECT count(*) FROM bi_insider_changes WHERE change = 'entered'"));
        await DrainProjectorAsync(db);
        Assert.Equal(148_286L, await db.ScalarAsync<long>("SELECT count(*) FROM bi_transactions"));
        Assert.Equal(
            clean.Where(r => r.Qty > 0).Sum(r => r.Qty * r.Price),
            await db.ScalarAsync<decimal>("SELECT sum(line_value) FROM bi_transactions WHERE NOT is_return"));

        // The same file again: every line already known; features, export and BI rows unchanged.
        var first = await File.ReadAllTextAsync(export, TestContext.Current.CancellationToken);
        var again = await ReplayAsync(db.ConnectionString, export);
        Assert.Contains("148,286 already known", again, StringComparison.Ordinal);
        Assert.Equal(first, await File.ReadAllTextAsync(export, TestContext.Current.CancellationToken));
        await DrainProjectorAsync(db);
        Assert.Equal(148_286L, await db.ScalarAsync<long>("SELECT count(*) FROM bi_transactions"));
    }

    [Fact]
    public async Task Cluster_SiloKilledMidReplay_NothingLostNothingDoubled()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(server, "kill");
        await using var survivor = SiloProcess.Start(db.ConnectionString, db.ClusterId, db.ServiceId);
        await using var victim = SiloProcess.Start(db.ConnectionString, db.ClusterId, db.ServiceId);
        await WaitForActiveAsync(db, 2, () => survivor.Tail + "\n---\n" + victim.Tail);

        // The replay runs in a third silo (as `insiders replay --postgres` does); customers spread over all three.
        using var host = InsidersHost.Build(ClusterSettings.ForHost(db.ConnectionString, db.ClusterId, db.ServiceId));
        await host.StartAsync(ct);
        await WaitForActiveAsync(db, 3, () => "replay silo did not join");
        var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var lines = ReplayRunner.ReadSorted(TestData.SixMonths, Path.GetFileName(TestData.SixMonths), new CleaningRules(), new IngestSummary());

        const int batch = 10_000;
        var killAt = lines.Count * 2 / 5;
        var customersOnVictim = 0;
        for (var i = 0; i < lines.Count; i += batch)
        {
            if (i >= killAt && customersOnVictim == 0)
            {
                customersOnVictim = await CustomerActivationsAsync(grains, victim.SiloPort);
                Assert.True(customersOnVictim > 0, "the victim silo held no customers; the kill would prove nothing");
                victim.Kill(); // SIGKILL mid-replay: its activations and their unflushed state are gone
            }

            await pipeline.IngestAsync(lines.Skip(i).Take(batch).ToArray(), ct);
        }

        await pipeline.CheckpointAsync(ct);
        var runner = new ReplayRunner(host);
        var rows = await runner.FeatureRowsAsync();
        var clean = BatchRecompute.ReadClean(TestData.SixMonths);
        var expected = BatchRecompute.Compute(clean, clean.Max(r => r.Date));
        // Through the same export and comparison as the replay tests: every feature of every customer.
        var export = Path.Combine(_dir, "features.csv");
        await using (var writer = new StreamWriter(export))
        {
            Features.FeatureCsv.Write(writer, rows);
        }

        FeatureExport.AssertEqualsBatch(expected, FeatureExport.Read(export).Rows);

        // And the customers' own grains (not only their shards' reports) hold exactly their lines.
        foreach (var id in expected.Keys.Order(StringComparer.Ordinal).Take(300))
        {
            var status = await grains.Customer(id).GetStatus();
            Assert.Equal(expected[id].Gross, status.Features!.GrossRevenue);
        }

        await host.StopAsync(ct);
    }

    [Fact]
    public async Task RetrainSchedule_TwoSilos_FiresOncePerPeriod_AndSurvivesFullClusterRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(server, "schedule");
        var period = TimeSpan.FromSeconds(3);
        var scheduled = new Dictionary<string, string?>(ClusterSettings.ForHost(db.ConnectionString, db.ClusterId, db.ServiceId))
        {
            ["Insiders:RetrainPeriod"] = period.ToString(),
            ["Insiders:Clock"] = "Wall", // retrain on every tick even when no new line arrived
        };
        var first = new[] { InsidersHost.Build(scheduled), InsidersHost.Build(scheduled) };
        foreach (var h in first)
        {
            await h.StartAsync(ct);
        }

        await first[0].Services.GetRequiredService<IngestionPipeline>().IngestAsync(Population(), ct);
        await Task.Delay(period * 4.5, ct);
        var before = await TrainedAtAsync(db);
        foreach (var h in first)
        {
            await h.StopAsync(ct);
            h.Dispose();
        }

        // Two silos, ~4 periods: about 4 retrains (one per period), not about 8 (one per silo per period).
        Assert.InRange(before.Count, 2, 5);
        var gaps = before.Zip(before.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, g => Assert.True(g >= period * 0.6, $"two retrains {g.TotalSeconds:F1} s apart with a {period.TotalSeconds} s period"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM OrleansRemindersTable WHERE ReminderName = 'retrain'"));

        // A new cluster whose silos do not register anything (period 0): the stored reminder alone keeps retraining.
        var idle = ClusterSettings.ForHost(db.ConnectionString, db.ClusterId, db.ServiceId);
        idle["Insiders:Clock"] = "Wall";
        var second = new[] { InsidersHost.Build(idle), InsidersHost.Build(idle) };
        foreach (var h in second)
        {
            await h.StartAsync(ct);
        }

        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(40);
            var after = before;
            while (after.Count <= before.Count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, ct);
                after = await TrainedAtAsync(db);
            }

            Assert.True(after.Count > before.Count, "the retraining reminder did not fire after a full cluster restart");
        }
        finally
        {
            foreach (var h in second)
            {
                await h.StopAsync(ct);
                h.Dispose();
            }
        }
    }

    private async Task<string> ReplayAsync(string connectionString, string export)
    {
        var output = new StringWriter();
        var args = CliArguments.Parse(
            [TestData.SixMonths, "--postgres", connectionString, "--export-features", export, "--quiet"],
            new HashSet<string>(StringComparer.Ordinal) { "--quiet" });
        Assert.Equal(0, await ReplayCommand.RunAsync(args, output));
        return output.ToString();
    }

    private static async Task DrainProjectorAsync(TestDatabase db)
    {
        var projector = new TransactionProjector(db.DataSource, NullLogger<TransactionProjector>.Instance);
        await projector.DrainAsync(TestContext.Current.CancellationToken);
    }

    private static async Task WaitForActiveAsync(TestDatabase db, int silos, Func<string> diagnostics)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var active = await db.ScalarAsync<long>($"SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @id AND Status = {ActiveStatus}", ("id", db.ClusterId));
            if (active >= silos)
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"{silos} silos did not become active within 60 s:\n{diagnostics()}");
    }

    // Customer activations on the silo listening on this port, from Orleans' management grain.
    private static async Task<int> CustomerActivationsAsync(IGrainFactory grains, int siloPort)
    {
        var stats = await grains.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.SiloAddress.Endpoint.Port == siloPort && s.GrainType.Contains("Customer", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    private static async Task<List<DateTime>> TrainedAtAsync(TestDatabase db) =>
        (await db.RowsAsync("SELECT trained_at FROM insiders_models ORDER BY version"))
        .Select(r => r[0] switch
        {
            DateTime d => d.ToUniversalTime(),
            DateTimeOffset o => o.UtcDateTime,
            var other => DateTime.Parse(Convert.ToString(other, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture),
        })
        .ToList();

    private static List<TransactionLine> Population()
    {
        var generator = new Synthetic.SyntheticRetailGenerator(new Synthetic.SyntheticRetailOptions { Seed = 5, Customers = 300, Days = 90, DirtyLineShare = 0 });
        var csv = new StringWriter();
        generator.WriteCsv(csv);
        return new OnlineRetailReader("schedule-test").Read(new StringReader(csv.ToString()), new IngestSummary()).ToList();
    }
}
