using Insiders.Cli.Commands;
using Insiders.Customers;
using Insiders.Ingestion;
using Insiders.Storage;
using Insiders.Transactions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Insiders.Tests;

/// <summary>
/// The ingestion checkpoint runs beside ingestion, not in front of it: while a checkpoint's grain-state write is held
/// (by a storage decorator the test controls), further batches are acknowledged and applied. The checkpoint records only
/// the journal position it captured, so a crash right after it loses nothing: the restarted silo delivers the rest
/// again, and the features equal the independent batch recompute of the whole file (nothing lost, nothing twice).
/// The service's periodic checkpoint flushes one customer at a time; one that a caller waits for, several.
/// </summary>
public sealed class CheckpointConcurrencyTests : IAsyncLifetime
{
    private static readonly DateTime Split = new(2011, 3, 1);
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2); // only against a hang; nothing is timed

    private readonly string _dir = TestData.NewTempDirectory("checkpoint");
    private string DataDir => Path.Combine(_dir, "data");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        TempDataDirectory.Delete(_dir);
        return ValueTask.CompletedTask;
    }

    private Dictionary<string, string?> Settings => new()
    {
        ["Insiders:DataDirectory"] = DataDir,
        ["Insiders:RetrainPeriod"] = "00:00:00",
        ["Insiders:CheckpointInterval"] = "01:00:00", // only the checkpoints this test starts
    };

    private IHost ControlledHost(StorageControl control)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.AddInsiders(builder.Configuration);
            control.Install(silo.Services, InsidersNames.Storage, InsidersNames.CustomerStorage);
        });
        return builder.Build();
    }

    [Fact]
    public async Task Checkpoint_WritesHeld_IngestionAcknowledgedAndApplied_CrashAfterItLosesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (lines, clean, expectedLines) = SixMonths();
        var before = lines.Where(l => l.InvoiceDate < Split).ToList();
        var after = lines.Where(l => l.InvoiceDate >= Split).ToList();

        var control = new StorageControl();
        string writerName;
        long capturedSequence, lastSequence;
        string held;
        using (var host = ControlledHost(control))
        {
            await host.StartAsync(ct);
            var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            writerName = pipeline.Writer;
            await pipeline.CheckpointAsync(ct); // waits for the start-up recovery
            foreach (var batch in before.Chunk(5_000))
            {
                await pipeline.IngestAsync(batch, ct);
            }

            capturedSequence = (await pipeline.IngestAsync([], ct)).JournalSequence;

            // The checkpoint captures the lines so far and starts writing customers: its first write is held.
            control.HoldNextWrite("customer");
            var checkpoint = pipeline.CheckpointAsync(ct);
            held = CustomerGrainKeys.CustomerIdOf((await control.Held.Task.WaitAsync(Guard, ct)).Key.ToString()!);

            // Meanwhile: the rest of the file (but the held customer's lines: its grain is busy in that write) is
            // acknowledged, and each customer's status reflects all of its lines.
            lastSequence = capturedSequence;
            foreach (var batch in after.Where(l => l.CustomerId != held).Chunk(5_000))
            {
                lastSequence = (await pipeline.IngestAsync(batch, ct).WaitAsync(Guard, ct)).JournalSequence;
            }

            Assert.False(checkpoint.IsCompleted, "the checkpoint was still held while those batches were acknowledged");
            Assert.True(lastSequence > capturedSequence);
            foreach (var customer in after.Select(l => l.CustomerId).Where(c => c != held).Distinct())
            {
                Assert.Equal(expectedLines[customer], (await grains.Customer(customer).GetStatus()).Lines);
            }

            // The held customer's own lines wait for its grain, then everything completes.
            var heldLines = after.Where(l => l.CustomerId == held).ToList();
            var last = heldLines.Count > 0 ? pipeline.IngestAsync(heldLines, ct) : Task.FromResult(new IngestResult(0, 0, lastSequence));
            control.Release();
            await checkpoint.WaitAsync(Guard, ct);
            lastSequence = Math.Max(lastSequence, (await last.WaitAsync(Guard, ct)).JournalSequence);
            Assert.Equal(expectedLines[held], (await grains.Customer(held).GetStatus()).Lines);

            // Crash: nothing after this point becomes durable (the stop's final checkpoint and deactivations are dropped).
            control.Crash();
            await host.StopAsync(ct);
        }

        // The checkpoint recorded the position it captured, not the batches acknowledged while it ran.
        using (var database = SqliteDatabase.Open(DataDir))
        {
            var journal = new SqliteTransactionJournal(database, TimeProvider.System);
            Assert.Equal(capturedSequence, await journal.GetCheckpointAsync(writerName, ct));
            Assert.True(lastSequence > capturedSequence);
        }

        // Restart: the batches after that position are delivered again; nothing is lost and nothing counted twice.
        await AssertRestartEqualsBatchAsync(clean, expectedLines, ct);
    }

    /// <summary>
    /// On PostgreSQL a customer's state commits asynchronously: a write can return and still be lost with the database
    /// server. Here every customer write of a checkpoint is lost that way, and the checkpoint then fails to record its
    /// journal position. The next checkpoint rewrites each customer of the generation (not only those it thinks
    /// changed), so the stored versions behind the grains' show the loss; those customers reload and get their lines
    /// again before the position is recorded. A crash right after it loses nothing.
    /// </summary>
    [Fact]
    public async Task Checkpoint_CustomerWritesLostAndPositionNotRecorded_NextCheckpointFindsTheLoss_CrashAfterItLosesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (lines, clean, expectedLines) = SixMonths();

        var control = new StorageControl();
        using (var host = ControlledHost(control))
        {
            await host.StartAsync(ct);
            var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
            await pipeline.CheckpointAsync(ct); // waits for the start-up recovery
            foreach (var batch in lines.Where(l => l.InvoiceDate < Split).Chunk(5_000))
            {
                await pipeline.IngestAsync(batch, ct);
            }

            await pipeline.CheckpointAsync(ct);
            var afterLines = lines.Where(l => l.InvoiceDate >= Split).ToList();
            foreach (var batch in afterLines.Chunk(5_000))
            {
                await pipeline.IngestAsync(batch, ct);
            }

            control.LoseCustomerWrites = true;
            control.FailPositions = true;
            await Assert.ThrowsAsync<IOException>(() => pipeline.CheckpointAsync(ct));
            var customers = afterLines.Select(l => l.CustomerId).Distinct().Count();
            Assert.True(control.LostWrites >= customers, $"{control.LostWrites} customer writes lost, {customers} customers in the generation");

            control.LoseCustomerWrites = false;
            control.FailPositions = false;
            var written = control.CustomerWrites;
            await pipeline.CheckpointAsync(ct).WaitAsync(Guard, ct);
            Assert.True(control.CustomerWrites - written >= customers, $"{control.CustomerWrites - written} customers written again, {customers} had lost their writes");

            control.Crash();
            await host.StopAsync(ct);
        }

        await AssertRestartEqualsBatchAsync(clean, expectedLines, ct);
    }

    // The shared file as the pipeline ingests it, and independently: its clean rows and each customer's line count.
    private static (List<TransactionLine> Lines, List<BatchRecompute.Row> Clean, Dictionary<string, int> ExpectedLines) SixMonths()
    {
        var lines = new OnlineRetailReader(TestData.SixMonthsFileName).ReadFile(TestData.SixMonths, new IngestSummary()).ToList();
        var clean = BatchRecompute.ReadClean(TestData.SixMonths);
        return (lines, clean, clean.GroupBy(r => r.Customer).ToDictionary(g => g.Key, g => g.Count()));
    }

    // A new process on the data directory: its features equal the batch recompute of the whole file, and each customer
    // counts each of its lines once.
    private async Task AssertRestartEqualsBatchAsync(List<BatchRecompute.Row> clean, Dictionary<string, int> expectedLines, CancellationToken ct)
    {
        using var host = InsidersHost.Build(Settings);
        await host.StartAsync(ct);
        var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
        await pipeline.CheckpointAsync(ct);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var rows = await new ReplayRunner(host).FeatureRowsAsync();
        var export = Path.Combine(_dir, "features.csv");
        await using (var file = File.CreateText(export))
        {
            Features.FeatureCsv.Write(file, rows);
        }

        FeatureExport.AssertEqualsBatch(BatchRecompute.Compute(clean, clean.Max(r => r.Date)), FeatureExport.Read(export).Rows);
        foreach (var (customer, count) in expectedLines)
        {
            Assert.Equal(count, (await grains.Customer(customer).GetStatus()).Lines);
        }

        await host.StopAsync(ct);
    }

    [Fact]
    public async Task PeriodicCheckpoint_FlushesOneCustomerAtATime_AnAwaitedOneFlushesSeveral()
    {
        var ct = TestContext.Current.CancellationToken;
        var control = new StorageControl();
        var (host, pipeline, lines, background) = await PeriodicCheckpointHeldAsync(control, ct);
        using var owned = host;
        control.Release();
        await background.WaitAsync(Guard, ct);
        Assert.True(control.CustomerWrites > 100, $"{control.CustomerWrites} customers written");

        // One someone waits for (FlushParallelism 16): the other customers are written while the first write is held.
        await pipeline.IngestAsync(lines.Where(l => l.InvoiceDate >= Split).ToList(), ct);
        var written = control.CustomerWrites;
        control.HoldNextWrite("customer");
        var awaited = pipeline.CheckpointAsync(ct);
        await control.Held.Task.WaitAsync(Guard, ct);
        var deadline = DateTime.UtcNow + Guard;
        while (control.CustomerWrites == written)
        {
            Assert.True(DateTime.UtcNow < deadline, "no other customer was written while the first write was held");
            await Task.Delay(20, ct);
        }

        Assert.False(awaited.IsCompleted);
        control.Release();
        await awaited.WaitAsync(Guard, ct);
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task PeriodicCheckpoint_SomeoneStartsWaitingForIt_ItWidens_TheWaiterFollowsItAndBothComplete()
    {
        var ct = TestContext.Current.CancellationToken;
        var control = new StorageControl();
        var (host, pipeline, lines, background) = await PeriodicCheckpointHeldAsync(control, ct);
        using var owned = host;

        // Someone now waits for a checkpoint (as an ingestion call held back by MaxUncheckpointedLines does): the running
        // one widens, so other customers are written while its first write is still held.
        await pipeline.IngestAsync(lines.Where(l => l.InvoiceDate >= Split).ToList(), ct);
        var awaited = pipeline.CheckpointAsync(ct);
        var deadline = DateTime.UtcNow + Guard;
        while (control.CustomerWrites == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no other customer was written while the first write was held");
            // Unwidened, the held call times out (Orleans' response timeout) and ends the periodic checkpoint first.
            Assert.False(background.IsCompleted, "the periodic checkpoint ended before any other customer was written: it did not widen");
            await Task.Delay(20, ct);
        }

        Assert.False(background.IsCompleted);
        Assert.False(awaited.IsCompleted);
        control.Release();
        await background.WaitAsync(Guard, ct);
        await awaited.WaitAsync(Guard, ct);

        // Each checkpoint wrote every customer of its own generation once, the widened one included.
        var customers = lines.Where(l => l.InvoiceDate < Split).Select(l => l.CustomerId).Distinct().Count()
            + lines.Where(l => l.InvoiceDate >= Split).Select(l => l.CustomerId).Distinct().Count();
        Assert.Equal(customers, control.CustomerWrites);
        await host.StopAsync(ct);
    }

    // A host that ingested the six months' lines before Split and whose periodic checkpoint (BackgroundFlushParallelism
    // 1) is under way with its first customer write held: by then no other customer has been written.
    private async Task<(IHost Host, IngestionPipeline Pipeline, List<TransactionLine> Lines, Task Background)> PeriodicCheckpointHeldAsync(StorageControl control, CancellationToken ct)
    {
        var lines = new OnlineRetailReader(TestData.SixMonthsFileName).ReadFile(TestData.SixMonths, new IngestSummary()).ToList();
        var host = ControlledHost(control);
        await host.StartAsync(ct);
        var pipeline = host.Services.GetRequiredService<IngestionPipeline>();
        await pipeline.CheckpointAsync(ct); // waits for the start-up recovery
        await pipeline.IngestAsync(lines.Where(l => l.InvoiceDate < Split).ToList(), ct);
        control.HoldNextWrite("customer");
        var background = pipeline.BackgroundCheckpointAsync(ct);
        await control.Held.Task.WaitAsync(Guard, ct);
        await Task.Delay(500, ct); // room for a wider flush to show itself; nothing is timed
        Assert.Equal(0, control.CustomerWrites);
        return (host, pipeline, lines, background);
    }
}
