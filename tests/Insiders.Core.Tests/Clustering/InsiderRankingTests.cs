using Insiders.Clustering;

namespace Insiders.Core.Tests.Clustering;

public sealed class InsiderRankingTests
{
    // Mid-rank percentile written out directly: (number below + (number equal + 1) / 2) / n.
    private static double NaivePercentile(IReadOnlyList<double> v, int i) =>
        (v.Count(x => x < v[i]) + ((v.Count(x => x == v[i]) + 1) / 2.0)) / v.Count;

    [Fact]
    public void PercentileRanks_MatchTheMidRankDefinitionWithTies()
    {
        var rng = new Random(4);
        var values = Enumerable.Range(0, 300).Select(_ => (double)rng.Next(40)).ToArray();
        var ranks = SegmentTrainer.PercentileRanks(values);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(NaivePercentile(values, i), ranks[i], 12);
        }
    }

    [Fact]
    public void ValueAndRevenueRankScores_AreTheGeometricMeanOfBothPercentiles()
    {
        double[] gross = [100, 5000, 300, 80, 5000];
        double[] value = [900, 10, 400, 0, 700];
        var s = SegmentTrainer.ValueAndRevenueRankScores(gross, value);
        for (var i = 0; i < gross.Length; i++)
        {
            Assert.Equal(Math.Sqrt(NaivePercentile(gross, i) * NaivePercentile(value, i)), s[i], 12);
        }

        // A big past spender the model expects nothing from ranks below one who is strong on both.
        Assert.True(s[4] > s[1]);
    }
}
