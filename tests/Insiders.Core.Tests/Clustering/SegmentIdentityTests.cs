using Insiders.Clustering;

namespace Insiders.Core.Tests.Clustering;

public sealed class SegmentIdentityTests
{
    private static readonly FeatureSpace Space2D = new(
    [
        new FeatureScale(FeatureKind.GrossRevenue, true, 1, 0, 1),
        new FeatureScale(FeatureKind.Frequency, true, 1, 0, 1),
    ]);

    private static SegmentModel Previous(FeatureSpace space, params (int Id, float[] Centroid)[] segments) =>
        SegmentModelTests.Model(space, segments.Select(s => new SegmentDefinition(s.Id, s.Centroid, false, SegmentModelTests.Profile(s.Id, false))).ToList());

    [Fact]
    public void Assign_NoPrevious_NumbersFromOne()
    {
        Assert.Equal([1, 2, 3], SegmentIdentity.Assign(null, Space2D, [[0, 0], [1, 1], [2, 2]], 1.0));
    }

    [Fact]
    public void Assign_SlightlyMovedCentres_KeepIds()
    {
        var previous = Previous(Space2D, (3, [0, 0]), (5, [5, 0]), (7, [0, 5]));
        float[][] moved = [[5.1f, -0.1f], [0.1f, 0.05f], [-0.2f, 5.1f]];

        Assert.Equal([5, 3, 7], SegmentIdentity.Assign(previous, Space2D, moved, 1.0));
    }

    [Fact]
    public void Assign_FarNewCentre_FreshIdAfterMaxPrevious()
    {
        var previous = Previous(Space2D, (3, [0, 0]), (5, [5, 0]), (7, [0, 5]));
        float[][] centroids = [[5.1f, 0], [20, 20], [0, 0.1f], [0, 4.9f], [-20, -20]];

        Assert.Equal([5, 8, 3, 7, 9], SegmentIdentity.Assign(previous, Space2D, centroids, 1.0));
    }

    [Fact]
    public void Assign_TwoNewNearOneOld_ClosestTakesIdOtherFresh()
    {
        var previous = Previous(Space2D, (3, [0, 0]), (4, [9, 9]));
        float[][] centroids = [[0.3f, 0], [0.1f, 0]];

        Assert.Equal([5, 3], SegmentIdentity.Assign(previous, Space2D, centroids, 1.0));
    }

    [Fact]
    public void Assign_BeyondMatchDistance_FreshId()
    {
        var previous = Previous(Space2D, (3, [0, 0]));

        Assert.Equal([4], SegmentIdentity.Assign(previous, Space2D, [[1.5f, 0]], 1.0));
        Assert.Equal([3], SegmentIdentity.Assign(previous, Space2D, [[1.5f, 0]], 2.0));
    }

    [Fact]
    public void Assign_RescaledSpace_ComparesInPreparedUnits()
    {
        // Old space: prepared = coordinate (mean 0, std 1). New space: mean 10, std 2, so prepared 4 maps to (4 − 10) / 2 = −3.
        var oldSpace = new FeatureSpace([new FeatureScale(FeatureKind.GrossRevenue, true, 1, 0, 1)]);
        var newSpace = new FeatureSpace([new FeatureScale(FeatureKind.GrossRevenue, true, 1, 10, 2)]);
        var previous = Previous(oldSpace, (1, [4]), (2, [12]));

        // New centres −3.05 (≈ old 1) and 1.0 (= prepared 12, old 2).
        Assert.Equal([1, 2], SegmentIdentity.Assign(previous, newSpace, [[-3.05f], [1.0f]], 0.2));
        // Centres near the old raw coordinates (4.5 ≈ 4, 13 ≈ 12) are far from the mapped ones (−3, 1): both fresh.
        Assert.Equal([3, 4], SegmentIdentity.Assign(previous, newSpace, [[4.5f], [13f]], 0.2));
    }

    [Fact]
    public void Assign_IncompatibleSpace_AllFreshAfterMaxPrevious()
    {
        var previous = Previous(Space2D, (3, [0, 0]), (6, [5, 0]));
        var other = new FeatureSpace(
        [
            new FeatureScale(FeatureKind.NetRevenue, true, 1, 0, 1),
            new FeatureScale(FeatureKind.Frequency, true, 1, 0, 1),
        ]);

        Assert.Equal([7, 8], SegmentIdentity.Assign(previous, other, [[0, 0], [5, 0]], 1.0));
    }
}
