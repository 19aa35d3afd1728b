using Insiders.Clustering;
using Insiders.Features;

namespace Insiders.Core.Tests.Clustering;

/// <summary>A young deployment (fewer customers than the default K range needs) still trains.</summary>
public sealed class SmallPopulationTests
{
    private static readonly DateOnly AsOf = new(2011, 6, 30);

    // n customers, customer i buying (i % 7) + 1 invoices of (i + 1) × 3.5 each, spread over the half year.
    private static List<CustomerHistory> Population(int n)
    {
        var histories = new List<CustomerHistory>();
        ulong lineId = 0;
        for (var i = 0; i < n; i++)
        {
            var ledger = new CustomerLedger();
            for (var inv = 0; inv <= i % 7; inv++)
            {
                var date = new DateTime(2011, 1, 3).AddDays((i * 13 + inv * 23) % 170);
                ledger.Apply(++lineId, $"{i}-{inv}", "85123A", 1, date, 3.5m * (i + 1));
            }

            histories.Add(ledger.ToHistory($"c{i:D4}"));
        }

        return histories;
    }

    [Theory]
    [InlineData(60, 6)]
    [InlineData(500, 50)]
    [InlineData(5_000, 128)]
    public void ClusterRange_ShrinksWithThePopulation(int customers, int expectedMax)
    {
        var o = new SegmentationOptions(); // 96..128, 10 per cluster
        var (min, max) = o.ClusterRange(customers);
        Assert.Equal(expectedMax, max);
        Assert.Equal(Math.Min(96, expectedMax), min);
    }

    [Fact]
    public void Train_SixtyCustomersWithDefaults_FitsAtMostSixClustersAndSelectsInsiders()
    {
        var model = new SegmentTrainer(new SegmentationOptions()).Train(Population(60), AsOf, 1, DateTimeOffset.UnixEpoch);

        Assert.Equal(60, model.Customers);
        Assert.InRange(model.K, 2, 6);
        Assert.Equal([6], model.SilhouetteByK.Keys);
        Assert.InRange(model.InsiderCustomers, 1, 9); // ≤ 15% of 60
        Assert.Equal(60, model.Segments.Sum(s => s.Profile.Customers));
    }

    [Fact]
    public void Train_FewerCustomersThanTwoClustersNeed_ThrowsSayingHowManyAreNeeded()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            new SegmentTrainer(new SegmentationOptions()).Train(Population(19), AsOf, 1, DateTimeOffset.UnixEpoch));

        Assert.Contains("19 customers", e.Message);
        Assert.Contains("at least 20", e.Message);
    }
}
