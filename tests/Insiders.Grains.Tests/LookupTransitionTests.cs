using Insiders.Customers;
using Insiders.Infrastructure;
using Insiders.Segmentation;

namespace Insiders.Tests;

/// <summary>
/// A lookup that flips a customer's Insider flag, on a cluster of its own (and a transition store of its own, as it runs
/// beside the shared cluster's tests): the test moves the event clock years ahead, which would age every customer of the
/// shared cluster.
/// </summary>
public sealed class LookupTransitionTests : IAsyncLifetime
{
    private readonly ClusterFixture _cluster = new(new InMemoryTransitionStore());

    public ValueTask InitializeAsync() => _cluster.InitializeAsync();

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task GetStatus_ClockMovedOnUntilAnInsiderLeaves_ExitRecordedAndShardUpdatedWithoutACheckpoint()
    {
        var pipeline = await _cluster.NewPipelineAsync();
        await pipeline.IngestAsync(SegmentationGrainTests.Population(seed: 13, customers: 300));
        await pipeline.CheckpointAsync();
        var coordinator = _cluster.Grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);
        Assert.Null((await coordinator.Retrain()).Skipped);
        var model = (await coordinator.GetModel())!;

        // A big spender up to the model's date enters; the checkpoint records the entry and the shard lists it.
        var customer = "lookup-exit-" + Guid.NewGuid().ToString("N");
        await pipeline.IngestAsync(SegmentationGrainTests.BigSpenderLines(customer, model.AsOf));
        await pipeline.CheckpointAsync();
        var grain = _cluster.Grains.Customer(customer);
        Assert.True((await grain.GetStatus()).IsInsider, "precondition: the big spender is an Insider under the model");
        Assert.Equal([true], (await TransitionsOfAsync(customer)).Select(t => t.Entered));
        Assert.True(await ShardSaysInsiderAsync(customer));

        // Three years later (no event of theirs since, no new model), a lookup classifies them as of the moved clock.
        var later = model.AsOf.AddYears(3);
        await coordinator.AdvanceClock(later.ToDateTime(TimeOnly.MinValue));
        var status = await grain.GetStatus();
        for (var i = 0; i < 50 && status.AsOf < later; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken); // each silo's model cache refreshes every 200 ms
            status = await grain.GetStatus();
        }

        Assert.Equal(later, status.AsOf);
        Assert.False(status.IsInsider, "precondition: three years without a purchase, the big spender leaves");
        Assert.Equal(model.Version, status.ModelVersion);

        // Recorded by the lookup itself (no checkpoint, sweep or deactivation since), once, and the shard agrees.
        var recorded = await TransitionsOfAsync(customer);
        Assert.Equal([(1L, true), (2L, false)], recorded.Select(t => (t.Sequence, t.Entered)));
        Assert.False(await ShardSaysInsiderAsync(customer));

        // Later lookups and a checkpoint add nothing.
        await grain.GetStatus();
        await pipeline.CheckpointAsync();
        Assert.Equal(2, (await TransitionsOfAsync(customer)).Count);
    }

    private async Task<List<InsiderTransition>> TransitionsOfAsync(string customer) =>
        (await _cluster.TransitionStore.ReadAsync(0, 1_000_000)).Select(p => p.Transition).Where(t => t.CustomerId == customer).ToList();

    private async Task<bool> ShardSaysInsiderAsync(string customer) =>
        (await _cluster.Grains.AllReportsAsync(4)).Single(r => r.History.CustomerId == customer).IsInsider == true;
}
