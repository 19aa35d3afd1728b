using Insiders.Customers;
using Insiders.Features;
using Insiders.Segmentation;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Insiders.Tests;

/// <summary>
/// How a feature shard is stored: each flush writes the changed reports as a segment and a manifest listing the
/// segments; compaction; shards stored whole by earlier versions. Read back through the grain storage itself.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FeatureShardStorageTests(ClusterFixture fixture)
{
    // A shard no other test uses (the fixture has 4).
    private IFeatureShardGrain NewShard() => fixture.Grains.GetGrain<IFeatureShardGrain>(2_000_000 + Random.Shared.Next(1_000_000));

    private static CustomerReport ReportOf(string customer, int lines) =>
        new(new CustomerHistory(customer, [new DayActivity(740_000, lines * 2m, lines, 1, 1, 0m, 0)]), lines, 0, null, null, 1, Guid.NewGuid(), lines);

    private IGrainStorage Storage => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(InsidersNames.Storage);

    // A stored state with its ETag, as the grain storage holds it.
    private async Task<GrainState<T>> ReadStateAsync<T>(IFeatureShardGrain shard, string stateName) where T : new()
    {
        var state = new GrainState<T>(new T());
        await Storage.ReadStateAsync(stateName, shard.GetGrainId(), state);
        return state;
    }

    private async Task<T> ReadAsync<T>(IFeatureShardGrain shard, string stateName) where T : new() =>
        (await ReadStateAsync<T>(shard, stateName)).State ?? new T();

    private async Task<(FeatureShardState Manifest, List<FeatureShardSegment> Segments)> StoredAsync(IFeatureShardGrain shard)
    {
        var manifest = await ReadAsync<FeatureShardState>(shard, "shard");
        var segments = new List<FeatureShardSegment>();
        foreach (var slot in manifest.Segments)
        {
            segments.Add(await ReadAsync<FeatureShardSegment>(shard, FeatureShardGrain.SegmentName(slot)));
        }

        return (manifest, segments);
    }

    private async Task<Dictionary<string, int>> ReadBackAsync(IFeatureShardGrain shard)
    {
        await fixture.Cluster.DeactivateAsync(shard);
        return (await shard.Reports()).Value.ToDictionary(r => r.History.CustomerId, r => r.Lines);
    }

    [Fact]
    public async Task Flush_WritesOnlyTheReportsChangedSinceThePreviousFlush_AndAllAreReadBack()
    {
        var shard = NewShard();
        var customers = Enumerable.Range(0, 100).Select(i => $"seg-{i}").ToArray();
        await shard.Report(customers.Select(c => ReportOf(c, 1)).ToArray().AsImmutable());
        await shard.Flush();
        await shard.Report(new[] { ReportOf("seg-7", 2), ReportOf("seg-new", 1) }.AsImmutable());
        await shard.Flush();
        await shard.Flush(); // nothing changed: nothing written

        var (manifest, segments) = await StoredAsync(shard);
        Assert.Empty(manifest.Customers);
        Assert.Equal(2, manifest.Segments.Count);
        Assert.Equal(100, segments[0].Customers.Count);
        Assert.Equal(["seg-7", "seg-new"], segments[1].Customers.Keys.Order());

        var back = await ReadBackAsync(shard);
        Assert.Equal(101, back.Count);
        Assert.Equal(2, back["seg-7"]);
        Assert.Equal(1, back["seg-8"]);
    }

    [Fact]
    public async Task Flushes_CompactWhenSegmentsHoldTwiceTheCustomers_AndClearTheSlotsLeft()
    {
        var shard = NewShard();
        var customers = Enumerable.Range(0, 10).Select(i => $"cmp-{i}").ToArray();
        await shard.Report(customers.Select(c => ReportOf(c, 1)).ToArray().AsImmutable());
        await shard.Flush();

        // 10 stored; +4 and +4 stay within twice the customers (18 <= 20), the next +4 would not (22): compaction.
        var seen = new List<int>();
        for (var round = 2; round <= 4; round++)
        {
            await shard.Report(customers.Take(4).Select(c => ReportOf(c, round)).ToArray().AsImmutable());
            await shard.Flush();
            seen.Add((await StoredAsync(shard)).Manifest.Segments.Count);
        }

        Assert.Equal([2, 3, 1], seen);
        var (manifest, segments) = await StoredAsync(shard);
        Assert.Equal(10, segments.Single().Customers.Count);
        Assert.Equal(4, segments.Single().Customers["cmp-0"].Lines);
        var cleared = Enumerable.Range(0, FeatureShardGrain.SegmentSlots).Except(manifest.Segments).ToArray();
        foreach (var slot in cleared)
        {
            Assert.Empty((await ReadAsync<FeatureShardSegment>(shard, FeatureShardGrain.SegmentName(slot))).Customers);
        }

        var back = await ReadBackAsync(shard);
        Assert.Equal(10, back.Count);
        Assert.Equal([4, 4, 4, 4, 1, 1, 1, 1, 1, 1], customers.Select(c => back[c]));
    }

    [Fact]
    public async Task SlotsRunningShort_Compact_BeforeTheLastFreeSlotIsUsed()
    {
        var shard = NewShard();
        var customers = Enumerable.Range(0, 1_000).Select(i => $"slot-{i}").ToArray();
        await shard.Report(customers.Select(c => ReportOf(c, 1)).ToArray().AsImmutable());
        await shard.Flush();
        var counts = new List<int>();
        for (var round = 0; round < FeatureShardGrain.SegmentSlots; round++)
        {
            await shard.Report(new[] { ReportOf(customers[round], 2) }.AsImmutable());
            await shard.Flush();
            counts.Add((await StoredAsync(shard)).Manifest.Segments.Count);
        }

        // One slot is kept free for the compaction: 7 listed at most.
        Assert.Equal([2, 3, 4, 5, 6, 7, 1, 2], counts);
        var back = await ReadBackAsync(shard);
        Assert.Equal(1_000, back.Count);
        Assert.Equal(FeatureShardGrain.SegmentSlots, customers.Count(c => back[c] == 2));
    }

    [Fact]
    public async Task AShardStoredWhole_IsReadBack_AndItsNextFlushRewritesItAsOneSegment()
    {
        var shard = NewShard();
        var legacy = new GrainState<FeatureShardState>(new FeatureShardState
        {
            Customers = Enumerable.Range(0, 50).Select(i => ReportOf($"old-{i}", 3)).ToDictionary(r => r.History.CustomerId, StringComparer.Ordinal),
        });
        await Storage.WriteStateAsync("shard", shard.GetGrainId(), legacy);

        var reports = (await shard.Reports()).Value;
        Assert.Equal(50, reports.Length);
        await shard.Report(new[] { ReportOf("old-0", 4) }.AsImmutable());
        await shard.Flush();

        var (manifest, segments) = await StoredAsync(shard);
        Assert.Empty(manifest.Customers);
        Assert.Equal(50, segments.Single().Customers.Count);
        var back = await ReadBackAsync(shard);
        Assert.Equal(50, back.Count);
        Assert.Equal(4, back["old-0"]);
        Assert.Equal(3, back["old-49"]);
    }

    [Fact]
    public async Task ASegmentWrittenButNotListed_IsIgnored_AndItsSlotIsWrittenAgain()
    {
        var shard = NewShard();
        await shard.Report(new[] { ReportOf("orphan-a", 1) }.AsImmutable());
        await shard.Flush();

        // The manifest's write fails after the segment's went through (the silo died in between, say).
        var (manifest, _) = await StoredAsync(shard);
        var nextSlot = Enumerable.Range(0, FeatureShardGrain.SegmentSlots).Except(manifest.Segments).First();
        var orphan = await ReadStateAsync<FeatureShardSegment>(shard, FeatureShardGrain.SegmentName(nextSlot));
        orphan.State = new FeatureShardSegment { Customers = { ["orphan-b"] = ReportOf("orphan-b", 9) } };
        await Storage.WriteStateAsync(FeatureShardGrain.SegmentName(nextSlot), shard.GetGrainId(), orphan);

        var back = await ReadBackAsync(shard);
        Assert.Equal(["orphan-a"], back.Keys);

        // The slot is free as far as the shard knows: its next flush overwrites it (reading its ETag first).
        await shard.Report(new[] { ReportOf("orphan-c", 1) }.AsImmutable());
        await shard.Flush();
        back = await ReadBackAsync(shard);
        Assert.Equal(["orphan-a", "orphan-c"], back.Keys.Order());
    }

    [Fact]
    public async Task AFailedFlush_KeepsItsReportsUnsaved_AndTheNextFlushWritesThem()
    {
        var shard = NewShard();
        await shard.Report(new[] { ReportOf("fail-a", 1) }.AsImmutable());
        await shard.Flush();
        await shard.Report(new[] { ReportOf("fail-b", 1), ReportOf("fail-a", 2) }.AsImmutable());

        FaultSwitches.FailStateWrites(shard.GetGrainId(), true);
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => shard.Flush());
        }
        finally
        {
            FaultSwitches.FailStateWrites(shard.GetGrainId(), false);
        }

        await shard.Flush();
        var (manifest, segments) = await StoredAsync(shard);
        Assert.Equal(2, manifest.Segments.Count);
        Assert.Equal(["fail-a", "fail-b"], segments[1].Customers.Keys.Order());
        var back = await ReadBackAsync(shard);
        Assert.Equal(2, back["fail-a"]);
        Assert.Equal(1, back["fail-b"]);
    }
}
