using Insiders.Backtesting;
using Insiders.Transactions;

namespace Insiders.Core.Tests.Features;

public sealed class BacktestEvaluatorTests
{
    private static readonly DateOnly Cut = new(2011, 9, 1);
    private static readonly DateOnly Until = new(2011, 12, 1);

    private static TransactionLine Line(string customer, int quantity, decimal price, int id) =>
        new((ulong)id, "I" + id.ToString(System.Globalization.CultureInfo.InvariantCulture), "P", quantity, new DateTime(2011, 10, 1), price, customer, "UK");

    [Fact]
    public void Evaluate_FourKnownCustomers_HandComputedCaptureAndBaselines()
    {
        var gross = new Dictionary<string, decimal> { ["A"] = 100m, ["B"] = 50m, ["C"] = 30m, ["D"] = 20m };
        var insiders = new HashSet<string> { "A", "C", "X" }; // X is not known at the cut and does not count
        TransactionLine[] forward =
        [
            Line("A", 2, 5m, 1),    // A +10
            Line("A", -1, 5m, 2),   // return: ignored
            Line("B", 4, 10m, 3),   // B +40
            Line("C", 1, 20m, 4),   // C +20
            Line("D", 3, 10m, 5),   // D +30
            Line("E", 100, 10m, 6), // unknown at the cut: ignored
            Line("X", 1, 500m, 7),  // unknown insider: ignored
        ];

        var report = BacktestEvaluator.Evaluate(Cut, Until, gross, insiders, forward);

        Assert.Equal(Cut, report.Cut);
        Assert.Equal(Until, report.Until);
        Assert.Equal(4, report.KnownCustomers);
        Assert.Equal(2, report.Insiders);
        Assert.Equal(0.5, report.InsiderShare);
        Assert.Equal(100m, report.ForwardRevenue);
        Assert.Equal(30m, report.InsiderForwardRevenue);
        Assert.Equal(0.3, report.Capture, 12);
        Assert.Equal(0.5, report.TopRevenueSameShareCapture, 12); // top 2 before the cut: A + B = 50
        Assert.Equal(0.0, report.TopRevenue15Capture);            // floor(4 × 0.15) = 0 customers
    }

    [Fact]
    public void Evaluate_SevenKnownCustomers_Top15IsBestOneWithOrdinalTieBreak()
    {
        // floor(7 × 0.15) = 1. B and A tie on 90 before the cut; the tie goes to "A" (ordinal).
        var gross = new Dictionary<string, decimal>
        {
            ["B"] = 90m, ["A"] = 90m, ["C"] = 10m, ["D"] = 10m, ["E"] = 10m, ["F"] = 10m, ["G"] = 10m,
        };
        TransactionLine[] forward = [Line("A", 1, 10m, 1), Line("B", 1, 30m, 2), Line("G", 1, 60m, 3)];

        var report = BacktestEvaluator.Evaluate(Cut, Until, gross, new HashSet<string> { "G" }, forward);

        Assert.Equal(100m, report.ForwardRevenue);
        Assert.Equal(1, report.Insiders);
        Assert.Equal(1.0 / 7, report.InsiderShare, 12);
        Assert.Equal(0.6, report.Capture, 12);
        Assert.Equal(0.1, report.TopRevenueSameShareCapture, 12);
        Assert.Equal(0.1, report.TopRevenue15Capture, 12);
    }

    [Fact]
    public void Evaluate_NoForwardRevenue_AllSharesZero()
    {
        var gross = new Dictionary<string, decimal> { ["A"] = 1m };

        var report = BacktestEvaluator.Evaluate(Cut, Until, gross, new HashSet<string> { "A" }, []);

        Assert.Equal(0m, report.ForwardRevenue);
        Assert.Equal(0.0, report.Capture);
        Assert.Equal(1.0, report.InsiderShare);
        Assert.Equal(0.0, report.TopRevenueSameShareCapture);
    }
}
