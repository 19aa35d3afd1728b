using Insiders.Cli;
using Insiders.Cli.Commands;
using Insiders.Customers;
using Insiders.Ingestion;
using Insiders.Segmentation;
using Insiders.Storage;
using Insiders.Transactions;
using Microsoft.Extensions.DependencyInjection;

namespace Insiders.Tests;

/// <summary>
/// The embedded default end to end: the CLI replays the shared six-month file through the grains on SQLite, and the
/// exported features are compared with an independent batch recompute of the same file.
/// </summary>
public sealed class EmbeddedReplayTests : IAsyncLifetime
{
    private readonly string _dir = TestData.NewTempDirectory("replay");
    private string Export => Path.Combine(_dir, "features.csv");
    private string DataDir => Path.Combine(_dir, "data");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        TempDataDirectory.Delete(_dir);
        return ValueTask.CompletedTask;
    }

    private async Task<string> ReplayAsync(params string[] extra)
    {
        var output = new StringWriter();
        var args = CliArguments.Parse(
            new[] { TestData.SixMonths, "--data-dir", DataDir, "--export-features", Export, "--quiet" }.Concat(extra),
            new HashSet<string>(StringComparer.Ordinal) { "--quiet" });
        Assert.Equal(0, await ReplayCommand.RunAsync(args, output));
        return output.ToString();
    }

    [Fact]
    public async Task Replay_SixMonthFile_FeaturesEqualBatchRecompute_AndReplayAgainChangesNothing()
    {
        var summary = await ReplayAsync();
        var (header, rows) = FeatureExport.Read(Export);
        Assert.Equal(Features.FeatureCsv.Header, header);

        var clean = BatchRecompute.ReadClean(TestData.SixMonths);
        var expected = BatchRecompute.Compute(clean, clean.Max(r => r.Date));
        FeatureExport.AssertEqualsBatch(expected, rows);
        Assert.All(rows, r => Assert.NotNull(r.Segment));

        Assert.Contains("148,286 accepted", summary, StringComparison.Ordinal);
        Assert.Contains("in event-time order already: streamed", summary, StringComparison.Ordinal);
        var insiders = rows.Count(r => r.IsInsider);
        Assert.InRange(insiders, 1, (int)Math.Floor(0.15 * rows.Count));

        // Same file again into the same data directory: every line is already known, nothing changes.
        var first = File.ReadAllText(Export);
        var again = await ReplayAsync();
        Assert.Contains("148,286 already known", again, StringComparison.Ordinal);
        Assert.Equal(first, File.ReadAllText(Export));
    }

    [Fact]
    public async Task Replay_FileNotInTimeOrder_IsSortedFirst_FeaturesEqualBatchRecompute()
    {
        // The shared file's lines shuffled (header first): not streamable, so the replay reads, sorts, then ingests.
        var lines = TestData.ReadAllLines(TestData.SixMonths);
        var body = lines.Skip(1).ToArray();
        new Random(11).Shuffle(body);
        var shuffled = Path.Combine(_dir, "shuffled.csv");
        await File.WriteAllLinesAsync(shuffled, [lines[0], .. body], TestContext.Current.CancellationToken);

        var output = new StringWriter();
        var args = CliArguments.Parse([shuffled, "--data-dir", DataDir, "--export-features", Export, "--quiet"], new HashSet<string>(StringComparer.Ordinal) { "--quiet" });
        Assert.Equal(0, await ReplayCommand.RunAsync(args, output));

        Assert.Contains("parse+sort", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("148,286 accepted", output.ToString(), StringComparison.Ordinal);
        var clean = BatchRecompute.ReadClean(TestData.SixMonths);
        FeatureExport.AssertEqualsBatch(BatchRecompute.Compute(clean, clean.Max(r => r.Date)), FeatureExport.Read(Export).Rows);
    }

    [Fact]
    public async Task Replay_PerInvoicePolicy_TurnsAnonymousInvoicesIntoCustomers()
    {
        await ReplayAsync("--missing-customer", "per-invoice");
        var (_, rows) = FeatureExport.Read(Export);
        var clean = BatchRecompute.ReadClean(TestData.SixMonths, perInvoice: true);
        var expected = BatchRecompute.Compute(clean, clean.Max(r => r.Date));
        Assert.Equal(expected.Count, rows.Count);
        Assert.Contains(rows, r => r.Customer.StartsWith("inv-", StringComparison.Ordinal));
        foreach (var row in rows)
        {
            Assert.Equal(expected[row.Customer].Gross, row.Gross);
            Assert.Equal(expected[row.Customer].Invoices, row.Invoices);
        }
    }

    [Fact]
    public async Task Restart_EmbeddedSilo_KeepsFeaturesModelAndTransitions()
    {
        await ReplayAsync();
        var before = File.ReadAllText(Export);
        var settings = new Dictionary<string, string?> { ["Insiders:DataDirectory"] = DataDir, ["Insiders:RetrainPeriod"] = "00:00:00" };

        using (var host = InsidersHost.Build(settings))
        {
            await host.StartAsync();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var pointer = await grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).GetModelVersion();
            Assert.Equal(1, pointer.Version);
            var runner = new ReplayRunner(host);
            var rows = await runner.FeatureRowsAsync();
            var export = new StringWriter();
            Features.FeatureCsv.Write(export, rows);
            Assert.Equal(before.ReplaceLineEndings("\n"), export.ToString());

            // A customer grain activated fresh from storage has the same status as its shard's report.
            var insider = rows.First(r => r.IsInsider).Features.CustomerId;
            var status = await grains.Customer(insider).GetStatus();
            Assert.True(status.IsInsider);
            Assert.Equal(1, status.ModelVersion);
            Assert.NotNull(status.InsiderSince);

            var transitions = await host.Services.GetRequiredService<Infrastructure.IInsiderTransitionStore>().ReadAsync(0, 100_000);
            Assert.Equal(rows.Count(r => r.IsInsider), transitions.Count(t => t.Transition.Entered));
            Assert.Equal(transitions.Count, transitions.Select(t => (t.Transition.CustomerId, t.Transition.Sequence)).Distinct().Count());
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Restart_AfterCrashBetweenJournalAndGrains_RedeliversAcknowledgedLines()
    {
        var database = SqliteDatabase.Open(DataDir);
        var journal = new SqliteTransactionJournal(database, TimeProvider.System);
        var lines = new[]
        {
            new TransactionLine(LineIdentity.For("crash-test", 2), "900001", "85123A", 6, new DateTime(2011, 1, 10, 9, 0, 0), 2.55m, "77777", "United Kingdom"),
            new TransactionLine(LineIdentity.For("crash-test", 3), "900001", "85123A", 6, new DateTime(2011, 1, 10, 9, 0, 0), 2.55m, "77777", "United Kingdom"),
            new TransactionLine(LineIdentity.For("crash-test", 4), "900002", "22423", 1, new DateTime(2011, 2, 1, 9, 0, 0), 12.75m, "77777", "United Kingdom"),
        };

        // Acknowledged (journaled) but the process died before any grain saw them.
        await journal.AppendAsync("S127.0.0.1:1:1", lines); // a previous life of the silo
        database.Dispose(); // that life ends: the data directory is free again

        using var host = InsidersHost.Build(new Dictionary<string, string?> { ["Insiders:DataDirectory"] = DataDir, ["Insiders:RetrainPeriod"] = "00:00:00" });
        await host.StartAsync();
        // Recovery runs before anything else can be ingested: the pipeline serialises calls.
        await host.Services.GetRequiredService<IngestionPipeline>().CheckpointAsync();
        var status = await host.Services.GetRequiredService<IGrainFactory>().Customer("77777").GetStatus();
        Assert.Equal(3, status.Lines);
        Assert.Equal(6 * 2.55m * 2 + 12.75m, status.Features!.GrossRevenue);
        Assert.Equal(2, status.Features.QtyInvoices);
        await host.StopAsync();
    }
}
