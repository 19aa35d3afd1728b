using System.Globalization;
using Insiders.Features;
using Insiders.Transactions;

namespace Insiders.Core.Tests.Features;

public sealed class CustomerLedgerTests
{
    private const string Customer = "17850";
    private static readonly DateOnly AsOf = new(2011, 1, 31);

    // The hand example: three purchase invoices on three days (P1 bought twice), one return after the last purchase.
    //   A  2011-01-01  P1 2 x 3.00 =  6.00, P2 1 x 10.00 = 10.00
    //   B  2011-01-11  P1 4 x 2.50 = 10.00
    //   D  2011-01-21  P3 5 x 1.20 =  6.00
    //   C9 2011-01-25  P1 -1 x 2.50 (return 2.50)
    private static readonly TransactionLine[] Example =
    [
        Line(1, "A", "P1", 2, new DateTime(2011, 1, 1, 10, 0, 0), 3.00m),
        Line(2, "A", "P2", 1, new DateTime(2011, 1, 1, 10, 0, 0), 10.00m),
        Line(3, "B", "P1", 4, new DateTime(2011, 1, 11, 12, 30, 0), 2.50m),
        Line(4, "D", "P3", 5, new DateTime(2011, 1, 21, 9, 15, 0), 1.20m),
        Line(5, "C9", "P1", -1, new DateTime(2011, 1, 25, 16, 0, 0), 2.50m),
    ];

    private static TransactionLine Line(ulong id, string invoice, string stock, int quantity, DateTime date, decimal price) =>
        new(id, invoice, stock, quantity, date, price, Customer, "United Kingdom");

    private static CustomerLedger LedgerOf(IEnumerable<TransactionLine> lines)
    {
        var ledger = new CustomerLedger();
        foreach (var line in lines)
        {
            ledger.Apply(line);
        }

        return ledger;
    }

    [Fact]
    public void FeaturesAt_HandExample_EveryFeatureExact()
    {
        var f = LedgerOf(Example).ToHistory(Customer).SummaryBefore().FeaturesAt(AsOf);

        Assert.Equal(Customer, f.CustomerId);
        Assert.Equal(32.00m, f.GrossRevenue);
        Assert.Equal(2.50m, f.ReturnsValue);
        Assert.Equal(29.50m, f.NetRevenue);
        Assert.Equal(3, f.QtyInvoices);
        Assert.Equal(12, f.QtyItems);
        Assert.Equal(3, f.QtyProducts);
        Assert.Equal(1, f.QtyReturns);
        Assert.Equal(10, f.RecencyDays);              // last purchase 01-21 → 01-31 (the later return does not count)
        Assert.Equal(32.0 / 3, f.AvgTicket, 12);
        Assert.Equal(4.0, f.AvgBasketSize, 12);       // 12 items / 3 invoices
        Assert.NotNull(f.AvgRecencyDays);
        Assert.Equal(10.0, f.AvgRecencyDays.Value, 12); // 20 days (01-01 → 01-21) / (3 − 1)
        Assert.Equal(3.0 / 31, f.Frequency, 12);      // 3 / (30 days 01-01 → 01-31, + 1)
        Assert.Equal(1.0 / 12, f.ReturnRate, 12);
    }

    [Fact]
    public void SummaryBefore_HandExample_AggregatesAndDates()
    {
        var ledger = LedgerOf(Example);
        var summary = ledger.ToHistory(Customer).SummaryBefore();

        Assert.Equal(
            new CustomerSummary(Customer, 32.00m, 2.50m, 3, 12, 3, 1, new DateOnly(2011, 1, 1), new DateOnly(2011, 1, 21)),
            summary);
        Assert.True(summary.HasPurchases);
        Assert.Equal(new DateTime(2011, 1, 25, 16, 0, 0), ledger.LastActivity);
        Assert.Equal(5, ledger.LineCount);
    }

    [Fact]
    public void ToHistory_HandExample_OneEntryPerDaySorted()
    {
        var history = LedgerOf(Example.Reverse()).ToHistory(Customer);

        DayActivity[] expected =
        [
            new(new DateOnly(2011, 1, 1).DayNumber, 16.00m, 3, 1, 2, 0m, 0),
            new(new DateOnly(2011, 1, 11).DayNumber, 10.00m, 4, 1, 0, 0m, 0),
            new(new DateOnly(2011, 1, 21).DayNumber, 6.00m, 5, 1, 1, 0m, 0),
            new(new DateOnly(2011, 1, 25).DayNumber, 0m, 0, 0, 0, 2.50m, 1),
        ];
        Assert.Equal(Customer, history.CustomerId);
        Assert.Equal(expected, history.Days);
        Assert.Equal(new DateOnly(2011, 1, 25), history.LastActivity);
    }

    [Fact]
    public void FeaturesAt_AsOfLastPurchaseDay_RecencyZero()
    {
        var f = LedgerOf(Example).ToHistory(Customer).SummaryBefore().FeaturesAt(new DateOnly(2011, 1, 21));

        Assert.Equal(0, f.RecencyDays);
        Assert.Equal(3.0 / 21, f.Frequency, 12); // 3 / (20 + 1)
    }

    [Fact]
    public void FeaturesAt_SingleInvoice_AvgRecencyNull()
    {
        var f = LedgerOf([Example[0], Example[1]]).ToHistory(Customer).SummaryBefore().FeaturesAt(new DateOnly(2011, 1, 5));

        Assert.Null(f.AvgRecencyDays);
        Assert.Equal(1, f.QtyInvoices);
        Assert.Equal(2, f.QtyProducts);
        Assert.Equal(16.00m, f.GrossRevenue);
        Assert.Equal(4, f.RecencyDays);
        Assert.Equal(0.2, f.Frequency, 12); // 1 / (4 + 1)
        Assert.Equal(16.0, f.AvgTicket, 12);
        Assert.Equal(3.0, f.AvgBasketSize, 12); // 2 + 1 items in one invoice
        Assert.Equal(0.0, f.ReturnRate);
    }

    [Fact]
    public void FeaturesAt_InvoiceWithLinesAtDifferentTimesSameDay_CountedOnce()
    {
        var lines = new[]
        {
            Line(1, "A", "P1", 1, new DateTime(2011, 1, 1, 9, 0, 0), 1m),
            Line(2, "A", "P2", 1, new DateTime(2011, 1, 1, 9, 1, 0), 1m),
            Line(3, "A", "P1", 1, new DateTime(2011, 1, 1, 9, 2, 0), 1m),
        };

        var f = LedgerOf(lines).ToHistory(Customer).SummaryBefore().FeaturesAt(new DateOnly(2011, 1, 1));

        Assert.Equal(1, f.QtyInvoices);
        Assert.Equal(2, f.QtyProducts);
        Assert.Equal(3, f.QtyItems);
        Assert.Equal(1.0, f.Frequency, 12);
    }

    [Fact]
    public void Apply_SameLineIdTwice_SecondIgnored()
    {
        var ledger = LedgerOf(Example);
        var before = ledger.ToHistory(Customer);

        var again = Example.Select(ledger.Apply).ToList();

        Assert.All(again, Assert.False);
        Assert.Equal(before.Days, ledger.ToHistory(Customer).Days);
        Assert.Equal(5, ledger.LineCount);
        Assert.Equal(
            new CustomerSummary(Customer, 32.00m, 2.50m, 3, 12, 3, 1, new DateOnly(2011, 1, 1), new DateOnly(2011, 1, 21)),
            ledger.ToHistory(Customer).SummaryBefore());
    }

    [Fact]
    public void Apply_SameIdDifferentContent_Ignored()
    {
        var ledger = new CustomerLedger();

        Assert.True(ledger.Apply(Example[0]));
        Assert.False(ledger.Apply(Example[0] with { Quantity = 100 }));

        Assert.Equal(6.00m, ledger.ToHistory(Customer).SummaryBefore().GrossRevenue);
    }

    [Fact]
    public void Apply_IdenticalContentDifferentIds_BothCounted()
    {
        var ledger = new CustomerLedger();

        Assert.True(ledger.Apply(Example[0]));
        Assert.True(ledger.Apply(Example[0] with { LineId = 99 }));

        var summary = ledger.ToHistory(Customer).SummaryBefore();
        Assert.Equal(12.00m, summary.GrossRevenue);
        Assert.Equal(4, summary.QtyItems);
        Assert.Equal(1, summary.QtyInvoices);
        Assert.Equal(1, summary.QtyProducts);
    }

    [Fact]
    public void Apply_ZeroQuantity_ReturnsFalseAndChangesNothing()
    {
        var ledger = new CustomerLedger();

        Assert.False(ledger.Apply(Example[0] with { Quantity = 0 }));

        Assert.Equal(0, ledger.LineCount);
        Assert.Empty(ledger.ToHistory(Customer).Days);
        Assert.Null(ledger.LastActivity);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(2024)]
    public void Apply_ShuffledOrder_SameHistoryAndFeatures(int seed)
    {
        // A larger example: 60 lines over 20 days, repeated invoices and products, returns, same-day invoices.
        var lines = new List<TransactionLine>();
        var random = new Random(1234);
        for (var i = 0; i < 60; i++)
        {
            var day = random.Next(20);
            var quantity = random.Next(5) == 0 ? -random.Next(1, 4) : random.Next(1, 12);
            var invoice = (quantity < 0 ? "C" : string.Empty) + (500 + (day * 2) + random.Next(2)).ToString(CultureInfo.InvariantCulture);
            lines.Add(Line(
                (ulong)(1000 + i), invoice, "P" + random.Next(8).ToString(CultureInfo.InvariantCulture), quantity,
                new DateTime(2011, 2, 1).AddDays(day).AddMinutes(random.Next(600)), random.Next(4, 900) / 100m));
        }

        var inOrder = LedgerOf(lines).ToHistory(Customer);
        var shuffled = lines.ToArray();
        new Random(seed).Shuffle(shuffled);
        var outOfOrder = LedgerOf(shuffled).ToHistory(Customer);

        Assert.Equal(inOrder.Days, outOfOrder.Days);
        Assert.Equal(inOrder.SummaryBefore(), outOfOrder.SummaryBefore());
        var asOf = new DateOnly(2011, 3, 1);
        Assert.Equal(inOrder.SummaryBefore().FeaturesAt(asOf), outOfOrder.SummaryBefore().FeaturesAt(asOf));
        Assert.Equal(inOrder.SummaryBefore(new DateOnly(2011, 2, 10)), outOfOrder.SummaryBefore(new DateOnly(2011, 2, 10)));
    }

    [Fact]
    public void Apply_ShuffledWithDuplicates_SameAsInOrderOnce()
    {
        var withDuplicates = Example.Concat(Example).Concat(Example.Take(2)).ToArray();
        new Random(5).Shuffle(withDuplicates);

        Assert.Equal(LedgerOf(Example).ToHistory(Customer).Days, LedgerOf(withDuplicates).ToHistory(Customer).Days);
    }

    [Fact]
    public void FeaturesAt_OnlyReturns_NoPurchasesAndThrows()
    {
        var summary = LedgerOf([Example[4], Line(6, "C10", "P2", -3, new DateTime(2011, 1, 26), 10m)])
            .ToHistory(Customer).SummaryBefore();

        Assert.False(summary.HasPurchases);
        Assert.Equal(0, summary.QtyInvoices);
        Assert.Equal(32.50m, summary.ReturnsValue);
        Assert.Equal(4, summary.QtyReturns);
        Assert.Null(summary.FirstPurchase);
        Assert.Null(summary.LastPurchase);
        Assert.Throws<InvalidOperationException>(() => summary.FeaturesAt(AsOf));
    }

    [Fact]
    public void FeaturesAt_EmptySummary_Throws()
    {
        var summary = new CustomerLedger().ToHistory(Customer).SummaryBefore();

        Assert.False(summary.HasPurchases);
        Assert.Throws<InvalidOperationException>(() => summary.FeaturesAt(AsOf));
    }

    [Theory]
    [InlineData(2011, 1, 1)]
    [InlineData(2011, 1, 2)]
    [InlineData(2011, 1, 11)]
    [InlineData(2011, 1, 12)]
    [InlineData(2011, 1, 22)]
    [InlineData(2011, 1, 25)]
    [InlineData(2011, 1, 26)]
    [InlineData(2012, 1, 1)]
    public void SummaryBefore_Cut_EqualsLedgerOfLinesBeforeCut(int year, int month, int day)
    {
        var cut = new DateOnly(year, month, day);
        var full = LedgerOf(Example).ToHistory(Customer);
        var onlyBefore = LedgerOf(Example.Where(l => DateOnly.FromDateTime(l.InvoiceDate) < cut)).ToHistory(Customer);

        Assert.Equal(onlyBefore.SummaryBefore(), full.SummaryBefore(cut));
    }

    [Fact]
    public void SummaryBefore_CutOnPurchaseDay_ExcludesThatDay()
    {
        var summary = LedgerOf(Example).ToHistory(Customer).SummaryBefore(new DateOnly(2011, 1, 21));

        Assert.Equal(
            new CustomerSummary(Customer, 26.00m, 0m, 2, 7, 2, 0, new DateOnly(2011, 1, 1), new DateOnly(2011, 1, 11)),
            summary);
    }

    [Fact]
    public void SummaryBefore_CutBeforeAnyLine_Empty()
    {
        var summary = LedgerOf(Example).ToHistory(Customer).SummaryBefore(new DateOnly(2011, 1, 1));

        Assert.Equal(new CustomerSummary(Customer, 0m, 0m, 0, 0, 0, 0, null, null), summary);
    }

    [Fact]
    public void PurchaseRevenue_Window_SumsPurchasesOnDaysInHalfOpenRange()
    {
        var history = LedgerOf(Example).ToHistory(Customer);

        Assert.Equal(10.00m, history.PurchaseRevenue(new DateOnly(2011, 1, 11), new DateOnly(2011, 1, 21)));
        Assert.Equal(16.00m, history.PurchaseRevenue(new DateOnly(2011, 1, 11), new DateOnly(2011, 1, 26)));
        Assert.Equal(0m, history.PurchaseRevenue(new DateOnly(2011, 1, 22), new DateOnly(2011, 2, 1)));
    }

    [Fact]
    public void DaysBetween_Reversed_Zero()
    {
        Assert.Equal(30, CustomerSummary.DaysBetween(new DateOnly(2011, 1, 1), new DateOnly(2011, 1, 31)));
        Assert.Equal(0, CustomerSummary.DaysBetween(new DateOnly(2011, 1, 31), new DateOnly(2011, 1, 1)));
    }
}
