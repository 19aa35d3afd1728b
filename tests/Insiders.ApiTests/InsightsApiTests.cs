using Insiders.Silo.Api.Contracts;

namespace Insiders.Tests;

[Collection(ApiCollection.Name)]
public sealed class InsightsApiTests(ApiFixture api)
{
    [Fact]
    public async Task GetInsights_CountsAndRevenueShare_MatchTheCustomerLists()
    {
        var insights = await api.GetAsync<InsightsDto>("/api/insights");
        var customers = await api.GetAsync<CustomerPageDto>("/api/customers?pageSize=1000");
        var everyone = new List<CustomerRowDto>(customers.Items);
        for (var page = 2; everyone.Count < customers.Total; page++)
        {
            everyone.AddRange((await api.GetAsync<CustomerPageDto>($"/api/customers?pageSize=1000&page={page}")).Items);
        }

        // Tests of the collection run one at a time and the fixture has no schedule: both reads see one state.
        Assert.Equal(insights.ModelVersion, customers.ModelVersion);
        Assert.Equal(insights.Customers, everyone.Count);

        var insiders = everyone.Where(c => c.IsInsider).ToList();
        Assert.Equal(insiders.Count, insights.Insiders);
        Assert.Equal(everyone.Sum(c => c.GrossRevenue), insights.Revenue);
        Assert.Equal(insiders.Sum(c => c.GrossRevenue), insights.InsidersRevenue);
        Assert.Equal((double)(insights.InsidersRevenue / insights.Revenue), insights.InsidersShareOfRevenue, 9);
        Assert.True(insights.InsidersShareOfRevenue > insights.ShareOfCustomers); // the point of the Insiders

        var gross = insights.Characteristics.Single(c => c.Feature == "gross_revenue");
        Assert.Equal((double)insiders.Average(c => c.GrossRevenue), gross.InsidersMean, 6);
        Assert.True(gross.Ratio > 1);
        Assert.NotEmpty(insights.Entry.InsiderCentres);
        Assert.Equal(0.10, insights.Entry.HysteresisMargin, 9);
        Assert.Contains("10%", insights.Entry.Explanation, StringComparison.Ordinal);
        Assert.Equal((double)insiders.Min(c => c.GrossRevenue), insights.Entry.Observed.Single(t => t.Feature == "gross_revenue").InsidersP10, 0.5 * (double)insiders.Max(c => c.GrossRevenue));
    }

    [Fact]
    public async Task GetInsights_RevenueByMonth_EqualsBatchSumsOfTheSeed()
    {
        var insights = await api.GetAsync<InsightsDto>("/api/insights");
        Assert.Equal(6, insights.RevenueByMonth.Count);
        Assert.Equal("2011-01", insights.RevenueByMonth[^1].Month);
        var gz = SharedSlice.WriteGz(api.SeedCsv, Path.Combine(Path.GetTempPath(), $"insiders-api-months-{Guid.NewGuid():N}.csv.gz"));
        try
        {
            // Purchase revenue of the seed per month; lines posted by other tests are for 9-prefixed customers, excluded on both sides.
            var rows = BatchRecompute.ReadClean(gz).Where(r => r.Qty > 0).ToList();
            var byMonth = rows.GroupBy(r => r.Date.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => g.Sum(r => r.Qty * r.Price));
            var december = insights.RevenueByMonth.Single(m => m.Month == "2010-12");
            var extraTestCustomers = await api.GetAsync<CustomerPageDto>("/api/customers?search=9&pageSize=1000");
            if (extraTestCustomers.Items.Any(c => c.CustomerId.StartsWith('9') && c.CustomerId.Length == 10))
            {
                Assert.True(december.Revenue >= byMonth["2010-12"]);
            }
            else
            {
                Assert.Equal(byMonth["2010-12"], december.Revenue);
            }

            Assert.InRange(december.InsidersShare, 0.0, 1.0);
            Assert.Equal(0m, insights.RevenueByMonth[0].Revenue); // 2010-08: before the data
        }
        finally
        {
            File.Delete(gz);
        }
    }
}
