using Insiders.Silo.Api;
using Insiders.Silo.Api.Contracts;

namespace Insiders.Tests;

[Collection(ApiCollection.Name)]
public sealed class ModelApiTests(ApiFixture api)
{
    // The host runs on the default segmentation settings.
    private static readonly Clustering.SegmentationOptions Defaults = new();

    [Fact]
    public async Task Retrain_FirstModel_ReportsEntries()
    {
        var r = api.FirstRetrain;
        Assert.Null(r.Skipped);
        Assert.True(r.Version >= 1);
        Assert.InRange(r.K, Defaults.MinClusters, Defaults.MaxClusters);
        Assert.True(r.Entered > 0);
        Assert.InRange(r.Insiders, 1, (int)Math.Floor(0.15 * r.Customers));

        // The customers called are those whose flag flipped; the sweep's phases (the slowest shard's) lie within it.
        Assert.Equal(r.Entered + r.Left, r.Called);
        Assert.All([r.SweepClassifyMs, r.SweepCallsMs, r.SweepSaveMs], ms => Assert.InRange(ms, 0, r.ReclassifyMs));
        Assert.True(r.SweepCallsMs > 0 && r.SweepSaveMs > 0);
    }

    [Fact]
    public async Task GetModel_ReturnsCard()
    {
        var model = await api.GetAsync<ModelCardDto>("/api/model");
        Assert.True(model.Version >= 1);
        Assert.InRange(model.K, Defaults.MinClusters, Defaults.MaxClusters);
        Assert.InRange(model.Silhouette, -1, 1);
        Assert.Contains(model.K.ToString(System.Globalization.CultureInfo.InvariantCulture), model.SilhouetteByK.Keys);
        Assert.True(model.Customers > 500);
        Assert.InRange(model.InsiderCustomers, 1, (int)Math.Floor(0.15 * model.Customers));
        Assert.Equal(Defaults.Features.Select(f => ModelViews.Name(f.Feature)), model.Features.Select(f => f.Feature));
        Assert.Equal(0.10, model.HysteresisMargin, 9);
    }

    [Fact]
    public async Task GetSegments_ProfileTable_AddsUpToTheModel()
    {
        var model = await api.GetAsync<ModelCardDto>("/api/model");
        var segments = await api.GetAsync<SegmentsDto>("/api/segments");
        Assert.Equal(model.Version, segments.ModelVersion); // tests of the collection run one at a time

        Assert.Equal(model.K, segments.Segments.Count);
        Assert.Equal(model.Customers, segments.Segments.Sum(s => s.Customers));
        Assert.Equal(model.InsiderCustomers, segments.Segments.Where(s => s.IsInsider).Sum(s => s.Customers));
        Assert.Equal(1.0, segments.Segments.Sum(s => s.ShareOfCustomers), 6);
        Assert.Equal(1.0, segments.Segments.Sum(s => s.ShareOfRevenue), 6);
        Assert.Equal(segments.Segments.OrderByDescending(s => s.MeanGrossRevenue).Select(s => s.SegmentId), segments.Segments.Select(s => s.SegmentId));
        var features = Defaults.Features.Select(f => ModelViews.Name(f.Feature)).Order(StringComparer.Ordinal).ToArray();
        Assert.All(segments.Segments, s => Assert.Equal(features, s.Centre.Keys.Order(StringComparer.Ordinal)));
        // The best segment by mean revenue is an Insider segment, and its centre is in money units.
        var best = segments.Segments[0];
        Assert.True(best.IsInsider);
        Assert.True(best.Centre["gross_revenue"] > segments.Segments[^1].Centre["gross_revenue"]);
    }

    [Fact]
    public async Task Retrain_WithoutKey_401()
    {
        using var response = await api.PostAsync("/api/model/retrain", null, null);
        await ApiFixture.AssertProblemAsync(response, 401);
    }

    [Fact]
    public async Task Retrain_WithIngestKey_403()
    {
        using var response = await api.PostAsync("/api/model/retrain", null, InsidersHostFactory.IngestKey);
        await ApiFixture.AssertProblemAsync(response, 403);
    }
}
