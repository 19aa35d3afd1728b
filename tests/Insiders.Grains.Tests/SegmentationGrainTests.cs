using Insiders.Customers;
using Insiders.Segmentation;
using Insiders.Synthetic;
using Insiders.Transactions;
using Orleans.Concurrency;

namespace Insiders.Tests;

[Collection(ClusterCollection.Name)]
public sealed class SegmentationGrainTests(ClusterFixture fixture)
{
    private static TransactionLine Line(long position, string customer, string invoice, int qty, DateTime date, decimal price = 2m, string stock = "85123A") =>
        new(LineIdentity.For("grain-tests", position), invoice, stock, qty, date, price, customer, "United Kingdom");

    [Fact]
    public async Task Apply_SameLinesTwiceAndShuffled_CountsEachLineOnce()
    {
        var customer = "c-" + Guid.NewGuid().ToString("N");
        var d = new DateTime(2011, 1, 3, 10, 0, 0);
        var lines = new[]
        {
            Line(1, customer, "A1", 2, d), Line(2, customer, "A1", 2, d), // identical content, two real lines
            Line(3, customer, "A2", 5, d.AddDays(3), 1.5m, "22423"), Line(4, customer, "CA2", -1, d.AddDays(4), 1.5m, "22423"),
        };
        var grain = fixture.Grains.Customer(customer);
        var first = await grain.Apply(lines.Reverse().ToArray().AsImmutable());
        var again = await grain.Apply(lines.AsImmutable());
        Assert.Equal(4, first.NewLines);
        Assert.Equal(0, again.NewLines);

        var status = await grain.GetStatus();
        Assert.Equal(4, status.Lines);
        Assert.Equal(2 * 2m + 2 * 2m + 5 * 1.5m, status.Features!.GrossRevenue);
        Assert.Equal(1.5m, status.Features.ReturnsValue);
        Assert.Equal(2, status.Features.QtyInvoices);
        Assert.Equal(2, status.Features.QtyProducts);
    }

    [Fact]
    public async Task Retrain_SyntheticPopulation_RecordsEachEntryOnceAndDoesNotFlapOnIdenticalRetrain()
    {
        var pipeline = await fixture.NewPipelineAsync();
        await pipeline.IngestAsync(Population(seed: 11, customers: 400));
        await pipeline.CheckpointAsync();

        // Another test of this collection may have trained a model first (its customers are then already classified):
        // the sweep accounts for the difference between the Insiders before and after, whatever ran before.
        var before = (await fixture.Grains.AllReportsAsync(4)).Count(r => r.IsInsider == true);
        var coordinator = fixture.Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);
        var v1 = await coordinator.Retrain();
        Assert.Null(v1.Skipped);
        Assert.InRange(v1.Insiders, 1, (int)Math.Floor(0.15 * v1.Customers));
        Assert.Equal(v1.Insiders, before + v1.Sweep.Entered - v1.Sweep.Left);

        // Every Insider's own grain agrees with the model, and its entry was recorded once.
        var reports = await fixture.Grains.AllReportsAsync(4);
        var insiders = reports.Where(r => r.IsInsider == true).Select(r => r.History.CustomerId).ToList();
        Assert.Equal(v1.Insiders, insiders.Count);
        foreach (var id in insiders.Take(20))
        {
            var status = await fixture.Grains.Customer(id).GetStatus();
            Assert.True(status.IsInsider);
            Assert.Equal(v1.Version, status.ModelVersion);
        }

        // Each current Insider has one more recorded entry than exits (one entry when no earlier model existed), and
        // no transition is recorded twice.
        var recorded = await FlushAndReadTransitionsAsync(pipeline, insiders);
        Assert.All(insiders, id => Assert.Equal(1, recorded.Count(t => t.CustomerId == id && t.Entered) - recorded.Count(t => t.CustomerId == id && !t.Entered)));
        Assert.Equal(recorded.Count, recorded.Select(t => (t.CustomerId, t.Sequence)).Distinct().Count());

        // Same data, same seeds: the next model has the same segments under the same ids, and nobody flaps.
        var m1Ids = (await coordinator.GetModel())!.Segments.Select(s => s.Id).Order().ToArray();
        var v2 = await coordinator.Retrain();
        Assert.Equal(v1.Version + 1, v2.Version);
        Assert.Equal(0, v2.Sweep.Entered + v2.Sweep.Left);
        var m2Ids = (await coordinator.GetModel())!.Segments.Select(s => s.Id).Order().ToArray();
        Assert.Equal(v1.K, m1Ids.Length);
        Assert.Equal(m1Ids, m2Ids); // carried over, not renumbered
    }

    [Fact]
    public async Task GetStatus_AfterDeactivation_ReclassifiesLazilyAgainstNewestModel()
    {
        var pipeline = await fixture.NewPipelineAsync();
        var customer = "lazy-" + Guid.NewGuid().ToString("N");
        await pipeline.IngestAsync([Line(10, customer, "L1", 3, new DateTime(2011, 3, 1, 9, 0, 0), 4m)]);
        await pipeline.CheckpointAsync();
        var coordinator = fixture.Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);
        if ((await coordinator.GetModelVersion()).Version == 0)
        {
            await pipeline.IngestAsync(Population(seed: 12, customers: 300));
            Assert.Null((await coordinator.Retrain()).Skipped);
        }

        var pointer = await coordinator.GetModelVersion();
        var grain = fixture.Grains.Customer(customer);
        await fixture.Cluster.DeactivateAsync(grain);

        // Each silo picks up a new model within its refresh interval (200 ms here): the status reflects it by then.
        var status = await grain.GetStatus();
        for (var i = 0; i < 50 && status.ModelVersion != pointer.Version; i++)
        {
            await Task.Delay(50);
            status = await grain.GetStatus();
        }

        Assert.Equal(pointer.Version, status.ModelVersion);
        Assert.NotNull(status.SegmentId);
        Assert.NotNull(status.Why);
        Assert.Equal(status.Why!.Distances.Length, (await coordinator.GetModel())!.Segments.Count);
    }

    [Fact]
    public async Task Flush_StateWriteFails_TransitionRecordedOnlyOnceTheStateHoldingItIsWritten()
    {
        var (grain, customer) = await NewBigSpenderAsync("outbox-write-");
        FaultSwitches.FailStateWrites(customer, true);
        try
        {
            var report = await grain.Apply(BigSpenderLines(customer, await ModelDateAsync()).AsImmutable());
            Assert.True(report.IsInsider, "precondition: the big spender enters the Insiders under the current model");
            await Assert.ThrowsAnyAsync<Exception>(() => grain.Flush());

            // The state that decided the entry is not stored: no entry may be recorded that a stored status contradicts.
            Assert.Empty(await TransitionsOfAsync(customer));
        }
        finally
        {
            FaultSwitches.FailStateWrites(customer, false);
        }

        await grain.Flush();
        var recorded = await TransitionsOfAsync(customer);
        Assert.Equal((1L, true), (recorded.Single().Sequence, recorded.Single().Entered));
    }

    [Fact]
    public async Task Activation_TransitionsStoredWithStateButNotRecorded_NextActivationRecordsThemOnce()
    {
        var (grain, customer) = await NewBigSpenderAsync("outbox-record-");
        FaultSwitches.FailTransitionRecords(customer, true);
        try
        {
            Assert.True((await grain.Apply(BigSpenderLines(customer, await ModelDateAsync()).AsImmutable())).IsInsider);
            await Assert.ThrowsAnyAsync<Exception>(() => grain.Flush()); // state written, recording failed
            await fixture.Cluster.DeactivateAsync(grain); // its deactivation's flush fails the same way
            Assert.Empty(await TransitionsOfAsync(customer));
        }
        finally
        {
            FaultSwitches.FailTransitionRecords(customer, false);
        }

        // A new activation reads the stored state, which carries the entry, and records it.
        var status = await grain.GetStatus();
        Assert.True(status.IsInsider);
        var recorded = await TransitionsOfAsync(customer);
        Assert.Equal((1L, true), (recorded.Single().Sequence, recorded.Single().Entered));
        await grain.Flush();
        Assert.Single(await TransitionsOfAsync(customer));
    }

    [Fact]
    public async Task Retrain_SweepCallsOnlyFlips_RelabelledCustomersGetTheShardsSegmentOnLookup()
    {
        var pipeline = await fixture.NewPipelineAsync();
        await pipeline.IngestAsync(Population(seed: 13, customers: 300));
        await pipeline.CheckpointAsync();
        var coordinator = fixture.Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);

        var result = await coordinator.Retrain();

        // Only customers whose Insider flag flipped were called, each recording its entry or exit.
        Assert.Null(result.Skipped);
        Assert.Equal(result.Sweep.Entered + result.Sweep.Left, result.Sweep.Called);
        Assert.InRange(result.Sweep.Called, 0, result.Sweep.Reclassified);

        // Where the sweep's time went, by phase (each the slowest shard's): none longer than the sweep itself.
        var phases = new[] { result.Sweep.Classify, result.Sweep.Calls, result.Sweep.Save };
        Assert.All(phases, phase => Assert.InRange(phase, TimeSpan.Zero, result.Reclassify));
        Assert.True(result.Sweep.Save > TimeSpan.Zero, "every shard writes its relabelled reports");
        Assert.True(result.Sweep.Called == 0 || result.Sweep.Calls > TimeSpan.Zero, "the calls took time");

        // The others were relabelled in their shard; each grain, looked up, classifies itself lazily to the same
        // segment and flag (features at the model's date, from the same flag), without recording any transition.
        var model = (await coordinator.GetModel())!;
        var reports = (await fixture.Grains.AllReportsAsync(4)).Where(r => r.ModelVersion == model.Version && r.SegmentId is not null).ToList();
        var transitionsBefore = (await ClusterFixture.Transitions.ReadAsync(0, 1_000_000)).Count;
        foreach (var report in reports.Where(r => r.IsInsider != true).Take(40))
        {
            var status = await fixture.Grains.Customer(report.History.CustomerId).GetStatus();
            Assert.Equal(report.SegmentId, status.SegmentId);
            Assert.False(status.IsInsider);
            Assert.Equal(model.Version, status.ModelVersion);
        }

        await pipeline.CheckpointAsync();
        Assert.Equal(transitionsBefore, (await ClusterFixture.Transitions.ReadAsync(0, 1_000_000)).Count);
    }

    [Fact]
    public async Task Flush_OfACustomerNotUsedByThisActivation_DeactivatesIt_StateKept()
    {
        var customer = "idle-" + Guid.NewGuid().ToString("N");
        var grain = fixture.Grains.Customer(customer);
        var used = (await grain.Apply(new[] { Line(20, customer, "I1", 2, new DateTime(2011, 2, 1, 9, 0, 0)) }.AsImmutable())).Activation;

        // Just used: written, and it stays in memory.
        Assert.Equal(used, await grain.Flush());
        Assert.Equal(used, await grain.Flush());

        // Activated by a flush alone (as a checkpoint or a sweep reaches a silent customer): written, then it leaves.
        await fixture.Cluster.DeactivateAsync(grain);
        var flushed = await grain.Flush();
        Assert.NotEqual(used, flushed);
        Assert.NotEqual(flushed, await grain.Flush());

        var status = await grain.GetStatus();
        Assert.Equal(1, status.Lines);
        Assert.Equal(4m, status.Features!.GrossRevenue);
    }

    [Fact]
    public async Task Shard_ReportWhileItsFlushWrites_IsAnsweredAtOnce_AndTheNextFlushPersistsIt()
    {
        // A shard no other test uses (the fixture has 4), so its writes can be held.
        var shard = fixture.Grains.GetGrain<IFeatureShardGrain>(1_000 + Random.Shared.Next(1_000_000));
        var id = shard.GetGrainId();
        static CustomerReport ReportOf(string customer) => new(new Features.CustomerHistory(customer, []), 1, 0, null, null, 1, Guid.NewGuid(), 1);
        var activation = await shard.Report(new[] { ReportOf("shard-a") }.AsImmutable());

        var held = FaultSwitches.HoldStateWrites(id);
        var flush = shard.Flush();
        await held.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Ingestion's report is answered while the shard's write is still under way (it used to wait for the write).
        var report = shard.Report(new[] { ReportOf("shard-b") }.AsImmutable());
        Assert.Equal(activation, await report.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(flush.IsCompleted);
        held.Release();
        Assert.Equal(activation, await flush);

        // The held write was of the reports before it; the one that arrived meanwhile is written by the next flush. Then
        // no write gets through any more (also not the deactivation's): what comes back is what the flushes stored.
        await shard.Flush();
        FaultSwitches.FailStateWrites(id, true);
        try
        {
            await fixture.Cluster.DeactivateAsync(shard);
            var stored = (await shard.Reports()).Value.Select(r => r.History.CustomerId).Order().ToArray();
            Assert.Equal(["shard-a", "shard-b"], stored);
        }
        finally
        {
            FaultSwitches.FailStateWrites(id, false);
        }
    }

    // A fresh customer id (and a model to classify it against, trained when the collection has none yet).
    private async Task<(ICustomerGrain Grain, string Customer)> NewBigSpenderAsync(string prefix)
    {
        var coordinator = fixture.Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);
        if ((await coordinator.GetModelVersion()).Version == 0)
        {
            var pipeline = await fixture.NewPipelineAsync();
            await pipeline.IngestAsync(Population(seed: 13, customers: 300));
            await pipeline.CheckpointAsync();
            Assert.Null((await coordinator.Retrain()).Skipped);
        }

        var customer = prefix + Guid.NewGuid().ToString("N");
        return (fixture.Grains.Customer(customer), customer);
    }

    private async Task<DateOnly> ModelDateAsync() =>
        (await fixture.Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).GetModel())!.AsOf;

    // Thirty weekly invoices of 5,000 up to the model's date: far beyond any synthetic customer.
    internal static TransactionLine[] BigSpenderLines(string customer, DateOnly asOf) =>
        Enumerable.Range(0, 30)
            .Select(i => Line(1_000 + i, customer, $"B{i}", 500, asOf.ToDateTime(new TimeOnly(10, 0)).AddDays(-7 * i), 10m, $"S{i % 7}"))
            .ToArray();

    private static async Task<List<InsiderTransition>> TransitionsOfAsync(string customer) =>
        (await ClusterFixture.Transitions.ReadAsync(0, 1_000_000)).Select(p => p.Transition).Where(t => t.CustomerId == customer).ToList();

    internal static List<TransactionLine> Population(int seed, int customers)
    {
        var generator = new SyntheticRetailGenerator(new SyntheticRetailOptions { Seed = seed, Customers = customers, Days = 120, DirtyLineShare = 0 });
        var csv = new StringWriter();
        generator.WriteCsv(csv);
        return new OnlineRetailReader($"synthetic-grain-test-{seed}").Read(new StringReader(csv.ToString()), new IngestSummary()).ToList();
    }

    private static async Task<List<InsiderTransition>> FlushAndReadTransitionsAsync(Ingestion.IngestionPipeline pipeline, List<string> customers)
    {
        await pipeline.CheckpointAsync();
        var all = await ClusterFixture.Transitions.ReadAsync(0, 1_000_000);
        var set = customers.ToHashSet();
        return all.Select(p => p.Transition).Where(t => set.Contains(t.CustomerId)).ToList();
    }
}
