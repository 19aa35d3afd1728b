using Insiders.Clustering;
using Insiders.Features;

namespace Insiders.Core.Tests.Clustering;

public sealed class SegmentModelTests
{
    private const int InsiderId = 1;
    private const int OtherId = 2;

    // One feature (gross revenue, no log, mean 0, std 1, weight 1): the clustering coordinate is the gross revenue itself.
    private static readonly FeatureSpace Space = new([new FeatureScale(FeatureKind.GrossRevenue, false, 1, 0, 1)]);

    internal static SegmentProfile Profile(int id, bool insider) => new(id, insider, 1, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    internal static SegmentModel Model(FeatureSpace space, IReadOnlyList<SegmentDefinition> segments, double margin = 0.1) => new(
        1, DateTimeOffset.UnixEpoch, new DateOnly(2011, 12, 1), segments.Count, 0.5, new Dictionary<int, double>(), space, segments,
        100, 10, "test", margin, null);

    private static readonly SegmentModel Hand = Model(Space,
    [
        new SegmentDefinition(InsiderId, [10f], true, Profile(InsiderId, true)),
        new SegmentDefinition(OtherId, [0f], false, Profile(OtherId, false)),
    ]);

    private static CustomerFeatures At(decimal x) => new("c", x, 0, x, 1, 1, 1, 0, 0, 1, 1, null, 1, 0);

    [Fact]
    public void Classify_NeverClassifiedSlightlyCloserToInsider_Insider()
    {
        var a = Hand.Classify(At(5.2m), null);

        Assert.True(a.IsInsider);
        Assert.Equal(InsiderId, a.SegmentId);
        Assert.False(a.HeldByHysteresis);
        Assert.Equal(2, a.Distances.Length);
        Assert.Equal(4.8, a.Distances[0], 5);
        Assert.Equal(5.2, a.Distances[1], 5);
    }

    [Fact]
    public void Classify_WasNotInsiderSlightlyCloserToInsider_StaysOutWithinMargin()
    {
        // 4.8 × 1.1 = 5.28 is not below 5.2: not closer by more than the margin.
        var a = Hand.Classify(At(5.2m), false);

        Assert.False(a.IsInsider);
        Assert.Equal(OtherId, a.SegmentId);
        Assert.True(a.HeldByHysteresis);
    }

    [Fact]
    public void Classify_WasInsiderSlightlyCloserToInsider_StaysInsiderNotHeld()
    {
        var a = Hand.Classify(At(5.2m), true);

        Assert.True(a.IsInsider);
        Assert.Equal(InsiderId, a.SegmentId);
        Assert.False(a.HeldByHysteresis);
    }

    [Fact]
    public void Classify_WasInsiderSlightlyCloserToOther_StaysInsiderHeld()
    {
        // dIn = 5.2 <= dOut × 1.1 = 5.28.
        var a = Hand.Classify(At(4.8m), true);

        Assert.True(a.IsInsider);
        Assert.Equal(InsiderId, a.SegmentId);
        Assert.True(a.HeldByHysteresis);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public void Classify_NotInsiderSlightlyCloserToOther_NotInsider(bool? wasInsider)
    {
        var a = Hand.Classify(At(4.8m), wasInsider);

        Assert.False(a.IsInsider);
        Assert.Equal(OtherId, a.SegmentId);
        Assert.False(a.HeldByHysteresis);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(4.7)]  // dIn 5.3 > dOut × 1.1 = 5.17
    [InlineData(-3.0)]
    public void Classify_WasInsiderClearlyCloserToOther_Leaves(double x)
    {
        var a = Hand.Classify(At((decimal)x), true);

        Assert.False(a.IsInsider);
        Assert.Equal(OtherId, a.SegmentId);
        Assert.False(a.HeldByHysteresis);
    }

    [Theory]
    [InlineData(9.0)]
    [InlineData(5.3)]  // dIn × 1.1 = 5.17 < dOut 5.3
    [InlineData(25.0)]
    public void Classify_WasNotInsiderClearlyCloserToInsider_Enters(double x)
    {
        var a = Hand.Classify(At((decimal)x), false);

        Assert.True(a.IsInsider);
        Assert.Equal(InsiderId, a.SegmentId);
        Assert.False(a.HeldByHysteresis);
    }

    [Fact]
    public void Classify_ZeroMargin_PlainNearestCentre()
    {
        var model = Hand with { HysteresisMargin = 0 };

        Assert.True(model.Classify(At(5.2m), false).IsInsider);
        Assert.False(model.Classify(At(4.8m), true).IsInsider);
    }

    [Fact]
    public void Classify_ScaledSpace_UsesTransform()
    {
        // Log off, mean 100, std 10, weight 2: x = 130 maps to (130 − 100) / 10 × 2 = 6.
        var space = new FeatureSpace([new FeatureScale(FeatureKind.GrossRevenue, false, 2, 100, 10)]);
        var model = Model(space,
        [
            new SegmentDefinition(7, [10f], true, Profile(7, true)),
            new SegmentDefinition(8, [0f], false, Profile(8, false)),
        ]);

        var a = model.Classify(At(130m), null);

        Assert.Equal(7, a.SegmentId);
        Assert.Equal(4.0, a.Distances[0], 5);
        Assert.Equal(6.0, a.Distances[1], 5);
    }

    [Fact]
    public void Classify_SeveralSegments_NearestOfEachKindCompared()
    {
        var model = Model(Space,
        [
            new SegmentDefinition(1, [10f], true, Profile(1, true)),
            new SegmentDefinition(2, [0f], false, Profile(2, false)),
            new SegmentDefinition(3, [6f], false, Profile(3, false)),
            new SegmentDefinition(4, [20f], true, Profile(4, true)),
        ]);

        // x = 7.9: nearest other is 3 (1.9), nearest insider is 1 (2.1); 2.1 <= 1.9 × 1.1 = 2.09 is false → leaves to 3.
        var leaves = model.Classify(At(7.9m), true);
        // x = 8.1: insider 1.9, other 2.1; 1.9 × 1.1 = 2.09 < 2.1 → enters segment 1.
        var enters = model.Classify(At(8.1m), false);

        Assert.Equal((3, false), (leaves.SegmentId, leaves.IsInsider));
        Assert.Equal((1, true), (enters.SegmentId, enters.IsInsider));
    }
}
