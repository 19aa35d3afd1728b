using Insiders.Silo.Api.Contracts;

namespace Insiders.Tests;

[Collection(ApiCollection.Name)]
public sealed class CustomersApiTests(ApiFixture api)
{
    [Fact]
    public async Task GetCustomer_SeededCustomers_FeaturesEqualIndependentBatchRecompute()
    {
        var gz = SharedSlice.WriteGz(api.SeedCsv, Path.Combine(Path.GetTempPath(), $"insiders-api-seed-{Guid.NewGuid():N}.csv.gz"));
        try
        {
            var rows = BatchRecompute.ReadClean(gz);
            var sample = rows.Where(r => r.Qty > 0).Select(r => r.Customer).Distinct().Order(StringComparer.Ordinal).Where((_, i) => i % 25 == 0).ToList();
            Assert.True(sample.Count > 20);
            foreach (var id in sample)
            {
                var status = await api.GetAsync<CustomerDto>($"/api/customers/{id}");
                var expected = BatchRecompute.Compute(rows.Where(r => r.Customer == id), status.AsOf.ToDateTime(TimeOnly.MinValue))[id];
                var f = status.Features!;
                Assert.Equal(expected.Gross, f.GrossRevenue);
                Assert.Equal(expected.ReturnsValue, f.ReturnsValue);
                Assert.Equal(expected.Net, f.NetRevenue);
                Assert.Equal(expected.Invoices, f.QtyInvoices);
                Assert.Equal(expected.Items, f.QtyItems);
                Assert.Equal(expected.Products, f.QtyProducts);
                Assert.Equal(expected.Returns, f.QtyReturns);
                Assert.Equal(expected.Recency, f.RecencyDays);
                Assert.Equal(expected.AvgTicket, f.AvgTicket, 9);
                Assert.Equal(expected.AvgRecency.HasValue, f.AvgRecencyDays.HasValue);
                Assert.Equal(expected.Frequency, f.Frequency, 12);
                Assert.Equal(expected.ReturnRate, f.ReturnRate, 12);
            }
        }
        finally
        {
            File.Delete(gz);
        }
    }

    [Fact]
    public async Task GetCustomer_AfterRetrain_HasSegmentModelVersionAndWhy()
    {
        var top = (await api.GetAsync<CustomerPageDto>("/api/insiders?pageSize=1")).Items.Single();
        var status = await api.GetAsync<CustomerDto>($"/api/customers/{top.CustomerId}");

        Assert.True(status.IsInsider);
        Assert.NotNull(status.InsiderSince);
        Assert.Equal(top.SegmentId, status.SegmentId);
        Assert.True(status.ModelVersion >= 1);
        var why = status.Why!;
        Assert.Equal(status.SegmentId, why.SegmentId);
        Assert.True(why.IsInsider);
        Assert.Equal(0.10, why.HysteresisMargin, 9);
        var model = await api.GetAsync<ModelCardDto>("/api/model");
        Assert.Equal(model.K, why.Distances.Count);
        Assert.Equal(why.Distances.OrderBy(d => d.Distance).Select(d => d.SegmentId), why.Distances.Select(d => d.SegmentId));
        // An Insider stays one while the nearest Insider centre is within the margin of the nearest other centre.
        Assert.True(why.NearestInsiderSegment!.Distance <= why.NearestOtherSegment!.Distance * 1.10 + 1e-9);
        Assert.Contains("Insider", why.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCustomer_Unknown_404ProblemDetails()
    {
        using var response = await api.Client.GetAsync("/api/customers/00000000000", TestContext.Current.CancellationToken);
        var problem = await ApiFixture.AssertProblemAsync(response, 404);
        Assert.Equal("Unknown customer", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task GetCustomer_InvalidId_404ProblemDetails()
    {
        using var response = await api.Client.GetAsync("/api/customers/a%20b%21", TestContext.Current.CancellationToken);
        await ApiFixture.AssertProblemAsync(response, 404);
    }

    [Fact]
    public async Task ListCustomers_SearchById_FindsTheCustomer()
    {
        var page = await api.GetAsync<CustomerPageDto>("/api/customers?search=17850");
        Assert.Contains(page.Items, c => c.CustomerId == "17850");
        Assert.All(page.Items, c => Assert.Contains("17850", c.CustomerId, StringComparison.Ordinal));
    }
}
