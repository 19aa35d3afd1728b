using Insiders.Clustering;
using Insiders.Features;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Insiders.Core.Tests.Clustering;

public sealed class CustomerValueModelTests
{
    private static readonly CustomerValueModel TrueModel = new(R: 0.8, Alpha: 20, A: 2.0, B: 6.0, P: 3, Q: 4, Gamma: 50, HorizonDays: 60);

    // A BG/NBD population simulated directly from its story: each customer buys at rate λ ~ Gamma(r, α) and, after each
    // purchase, drops out with probability p ~ Beta(a, b). Observed over (0, T]; forward purchases counted in (T, T + t].
    private static List<(CustomerValueModel.Rfm Rfm, int Forward)> Simulate(CustomerValueModel m, int customers, double horizon, int seed)
    {
        var rng = new Random(seed);
        var result = new List<(CustomerValueModel.Rfm, int)>(customers);
        for (var i = 0; i < customers; i++)
        {
            var lambda = Gamma.Sample(rng, m.R, m.Alpha); // shape r, rate α
            var p = Beta.Sample(rng, m.A, m.B);
            var age = 30 + rng.Next(170);
            double t = 0, last = 0;
            int repeats = 0, forward = 0;
            var alive = true;
            while (alive)
            {
                t += Exponential.Sample(rng, lambda);
                if (t > age + horizon)
                {
                    break;
                }

                if (t <= age)
                {
                    repeats++;
                    last = t;
                }
                else
                {
                    forward++;
                }

                alive = rng.NextDouble() >= p;
            }

            result.Add((new CustomerValueModel.Rfm(repeats, repeats == 0 ? 0 : last, age, 10), forward));
        }

        return result;
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Hypergeometric2F1_MatchesClosedForms(double z)
    {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z and ₂F₁(a, b; b; z) = (1 − z)^(−a).
        Assert.Equal(-Math.Log(1 - z) / z, CustomerValueModel.Hypergeometric2F1(1, 1, 2, z)!.Value, 10);
        Assert.Equal(Math.Pow(1 - z, -2.5), CustomerValueModel.Hypergeometric2F1(2.5, 3.7, 3.7, z)!.Value, 8);
    }

    [Fact]
    public void BgNbdLogLikelihood_EqualsThePaperFormulaCustomerByCustomer()
    {
        var data = Simulate(TrueModel, 500, 0, seed: 3).Select(d => d.Rfm).ToList();
        data.AddRange(data.Take(50)); // repeated triples are grouped inside
        double r = 0.7, alpha = 15, a = 1.5, b = 4;
        var expected = data.Sum(c =>
        {
            // Fader, Hardie & Lee (2005), eq. 6, written out without logs.
            var common = Math.Exp(SpecialFunctions.GammaLn(r + c.X) + (r * Math.Log(alpha)) - SpecialFunctions.GammaLn(r));
            var l = common * Math.Exp(SpecialFunctions.BetaLn(a, b + c.X) - SpecialFunctions.BetaLn(a, b)) / Math.Pow(alpha + c.T, r + c.X);
            if (c.X > 0)
            {
                l += common * Math.Exp(SpecialFunctions.BetaLn(a + 1, b + c.X - 1) - SpecialFunctions.BetaLn(a, b)) / Math.Pow(alpha + c.Tx, r + c.X);
            }

            return Math.Log(l);
        });

        Assert.Equal(expected, CustomerValueModel.BgNbdLogLikelihood(r, alpha, a, b, data), 6);
    }

    [Fact]
    public void ExpectedTransactions_MatchSimulatedForwardPurchasesByHistory()
    {
        const double horizon = 60;
        var data = Simulate(TrueModel, 40_000, horizon, seed: 11);
        foreach (var (lo, hi) in new[] { (0, 0), (1, 2), (3, 6), (7, 1000) })
        {
            var group = data.Where(d => d.Rfm.X >= lo && d.Rfm.X <= hi).ToList();
            var simulated = group.Average(d => d.Forward);
            var predicted = group.Average(d => TrueModel.ExpectedTransactions(d.Rfm, horizon));
            Assert.True(group.Count > 500, $"group {lo}..{hi} too small ({group.Count})");
            Assert.InRange(predicted, simulated * 0.93, simulated * 1.07);
        }
    }

    [Fact]
    public void ProbabilityAlive_IsOneWithoutRepeatsAndFallsWithTimeSinceLastPurchase()
    {
        Assert.Equal(1, TrueModel.ProbabilityAlive(new CustomerValueModel.Rfm(0, 0, 100, 10)));
        var recent = TrueModel.ProbabilityAlive(new CustomerValueModel.Rfm(5, 95, 100, 10));
        var lapsed = TrueModel.ProbabilityAlive(new CustomerValueModel.Rfm(5, 20, 100, 10));
        Assert.True(recent > lapsed);
        Assert.InRange(lapsed, 0, 1);
    }

    [Fact]
    public void Fit_RecoversTheSimulatedPopulationsPurchaseRate()
    {
        var data = Simulate(TrueModel, 8_000, 0, seed: 5);
        var rows = data.Select(d => Row(d.Rfm)).ToList();
        var fitted = CustomerValueModel.Fit(rows, 60, 20_000, 1);

        // Mean purchase rate r/α and mean dropout a/(a+b) are what the data pin down.
        Assert.InRange(fitted.R / fitted.Alpha, TrueModel.R / TrueModel.Alpha * 0.85, TrueModel.R / TrueModel.Alpha * 1.15);
        Assert.InRange(fitted.A / (fitted.A + fitted.B), 0.15, 0.35);
    }

    [Fact]
    public void ExpectedTicket_IsTheCredibilityWeightedMeanOfPopulationAndCustomer()
    {
        // Posterior mean of Gamma-Gamma: w · m + (1 − w) · pγ/(q − 1), with w = p·n / (p·n + q − 1).
        foreach (var (x, m) in new[] { (0.0, 20.0), (3.0, 200.0), (40.0, 5.0) })
        {
            var n = x + 1;
            var w = TrueModel.P * n / ((TrueModel.P * n) + TrueModel.Q - 1);
            var expected = (w * m) + ((1 - w) * TrueModel.P * TrueModel.Gamma / (TrueModel.Q - 1));
            Assert.Equal(expected, TrueModel.ExpectedTicket(new CustomerValueModel.Rfm(x, 10, 100, m)), 9);
        }
    }

    [Fact]
    public void Rfm_IsRecoveredFromTheFeatureRow()
    {
        var summary = new CustomerSummary("c", 300m, 0m, 4, 30, 5, 0, new DateOnly(2011, 1, 1), new DateOnly(2011, 3, 2));
        var rfm = CustomerValueModel.Rfm.Of(summary.FeaturesAt(new DateOnly(2011, 4, 1)));

        Assert.Equal(3, rfm.X);
        Assert.Equal(90, rfm.T); // 2011-01-01 .. 2011-04-01
        Assert.Equal(60, rfm.Tx); // 2011-01-01 .. 2011-03-02
        Assert.Equal(75, rfm.MeanTicket, 9);
    }

    [Fact]
    public void ExpectedValue_IsExpectedTransactionsTimesExpectedTicket()
    {
        var summary = new CustomerSummary("c", 300m, 0m, 4, 30, 5, 0, new DateOnly(2011, 1, 1), new DateOnly(2011, 3, 2));
        var f = summary.FeaturesAt(new DateOnly(2011, 4, 1));
        var rfm = CustomerValueModel.Rfm.Of(f);
        Assert.Equal(TrueModel.ExpectedTransactions(rfm, 60) * TrueModel.ExpectedTicket(rfm), TrueModel.ExpectedValue(f), 9);
        Assert.Equal(TrueModel.ExpectedValue(f), FeatureScale.Raw(f, FeatureKind.ExpectedValue, TrueModel), 12);
    }

    private static CustomerFeatures Row(CustomerValueModel.Rfm c)
    {
        var first = new DateOnly(2011, 1, 1);
        var asOf = first.AddDays((int)c.T);
        var summary = new CustomerSummary("c", (decimal)(10 * (c.X + 1)), 0m, (int)c.X + 1, 1, 1, 0, first, first.AddDays((int)c.Tx));
        return summary.FeaturesAt(asOf);
    }
}
