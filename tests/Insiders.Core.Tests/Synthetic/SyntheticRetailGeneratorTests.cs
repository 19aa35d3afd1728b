using System.Globalization;
using Insiders.Synthetic;
using Insiders.Transactions;

namespace Insiders.Core.Tests.Synthetic;

public sealed class SyntheticRetailGeneratorTests
{
    // A full year of 1,000 customers (about 110,000 lines), generated once and shared by the read-only tests.
    private static readonly SyntheticRetailOptions YearOptions = new() { Customers = 1_000 };
    private static readonly Lazy<List<SyntheticLine>> YearLines = new(() => [.. new SyntheticRetailGenerator(YearOptions).Generate()]);
    private static readonly Lazy<(IngestSummary Summary, List<TransactionLine> Accepted)> YearReadBack =
        new(() => (ReadBack(new SyntheticRetailGenerator(YearOptions), out var accepted), accepted));

    private static readonly SyntheticRetailOptions SmallOptions = new() { Customers = 300, Days = 120, Products = 800 };

    private static readonly RejectReason[] ParseErrors =
    [
        RejectReason.MalformedRow, RejectReason.InvalidInvoiceNo, RejectReason.InvalidStockCode, RejectReason.InvalidQuantity,
        RejectReason.InvalidInvoiceDate, RejectReason.InvalidUnitPrice, RejectReason.InvalidCustomerId,
    ];

    private static readonly RejectReason[] DirtyReasons =
        [RejectReason.ZeroQuantity, RejectReason.PriceBelowMinimum, RejectReason.NonProductStockCode, RejectReason.ExcludedCountry];

    [Fact]
    public void Generate_SameSeed_ProducesIdenticalLines()
    {
        var first = new SyntheticRetailGenerator(SmallOptions).Generate().ToList();
        var second = new SyntheticRetailGenerator(new SyntheticRetailOptions { Customers = 300, Days = 120, Products = 800 }).Generate().ToList();

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Generate_EnumeratedTwice_ProducesIdenticalLines()
    {
        var lines = new SyntheticRetailGenerator(SmallOptions).Generate();

        Assert.Equal(lines.ToList(), lines.ToList());
    }

    [Fact]
    public void Generate_DifferentSeed_ProducesDifferentLines()
    {
        var first = new SyntheticRetailGenerator(SmallOptions).Generate().Take(2_000).ToList();
        var other = new SyntheticRetailGenerator(new SyntheticRetailOptions { Seed = 43, Customers = 300, Days = 120, Products = 800 })
            .Generate().Take(2_000).ToList();

        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Generate_FullYear_DatesNonDecreasingWithinWindow()
    {
        var lines = YearLines.Value;
        var end = YearOptions.Start.AddDays(YearOptions.Days);

        Assert.All(lines, l => Assert.InRange(l.InvoiceDate, YearOptions.Start, end.AddTicks(-1)));
        for (var i = 1; i < lines.Count; i++)
        {
            Assert.True(lines[i - 1].InvoiceDate <= lines[i].InvoiceDate, $"line {i}: {lines[i - 1].InvoiceDate} then {lines[i].InvoiceDate}");
        }
    }

    [Fact]
    public void Generate_FullYear_InvoicesContiguousWithIncreasingSixDigitNumbers()
    {
        var invoices = new List<string>();
        foreach (var line in YearLines.Value)
        {
            if (invoices.Count == 0 || invoices[^1] != line.InvoiceNo)
            {
                invoices.Add(line.InvoiceNo);
            }
        }

        var numbers = invoices.Select(i => int.Parse(i.TrimStart('C'), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(536365, numbers[0]);
        Assert.Equal(Enumerable.Range(536365, numbers.Count), numbers); // each invoice once, one after the other
        Assert.All(invoices, i => Assert.Matches(@"^C?\d{6}$", i));
    }

    [Fact]
    public void Generate_FullYear_NoSaturdaysAndOnlyShopHours()
    {
        var lines = YearLines.Value;

        Assert.DoesNotContain(lines, l => l.InvoiceDate.DayOfWeek == DayOfWeek.Saturday);
        Assert.All(lines, l => Assert.InRange(l.InvoiceDate.Hour, 7, 20));
        Assert.All(lines, l => Assert.Equal(0, l.InvoiceDate.Second));
    }

    [Fact]
    public void Generate_FullYear_BusierBeforeChristmasThanInFebruary()
    {
        var invoicesByMonth = YearLines.Value.DistinctBy(l => l.InvoiceNo).CountBy(l => l.InvoiceDate.Month).ToDictionary();

        Assert.True(invoicesByMonth[11] > 1.5 * invoicesByMonth[2], $"November {invoicesByMonth[11]}, February {invoicesByMonth[2]}");
    }

    [Fact]
    public void Generate_FullYear_ReachesNearlyAllCustomers()
    {
        var customers = YearLines.Value.Where(l => l.CustomerId is not null).Select(l => l.CustomerId).Distinct().ToList();

        Assert.InRange(customers.Count, 0.97 * YearOptions.Customers, YearOptions.Customers);
        Assert.All(customers, c => Assert.Matches(@"^1\d{4}$", c));
    }

    [Fact]
    public void Generate_FullYear_NewCustomersKeepArriving()
    {
        var firstSeen = YearLines.Value.Where(l => l.CustomerId is not null).DistinctBy(l => l.CustomerId).ToList();
        var lastQuarter = YearOptions.Start.AddDays(270);

        Assert.True(firstSeen.Count(l => l.InvoiceDate >= lastQuarter) > 0.1 * firstSeen.Count);
    }

    [Fact]
    public void Generate_FullYear_TopTenPercentOfCustomersHoldOverFortyPercentOfRevenue()
    {
        var revenues = YearLines.Value
            .Where(l => l.CustomerId is not null)
            .GroupBy(l => l.CustomerId)
            .Select(g => g.Sum(l => l.Quantity * l.UnitPrice))
            .OrderDescending()
            .ToList();

        var topShare = revenues.Take(revenues.Count / 10).Sum() / revenues.Sum();
        Assert.True(topShare > 0.4m, $"top 10% hold {topShare:P1}");
    }

    [Fact]
    public void Generate_FullYear_SharesLikeTheRealData()
    {
        var lines = YearLines.Value;
        var invoices = lines.GroupBy(l => l.InvoiceNo).ToList();
        var linesPerPurchase = invoices.Where(g => !g.Key.StartsWith('C')).Select(g => g.Count()).Order().ToList();

        Assert.InRange(lines.Count(l => l.CustomerId is null) / (double)lines.Count, 0.23, 0.27);
        Assert.InRange(linesPerPurchase[linesPerPurchase.Count / 2], 8, 20); // real: 12
        Assert.InRange(lines.Count(l => l.Country == "United Kingdom") / (double)lines.Count, 0.85, 0.97); // real: 0.92
        Assert.InRange(invoices.Count(g => g.Key.StartsWith('C')) / (double)invoices.Count, 0.05, 0.25); // real: 0.16
        Assert.InRange(lines.Count(l => l.Quantity < 0) / (double)lines.Count, 0.005, 0.04); // real: 0.018
        Assert.All(lines.Where(l => l.InvoiceNo.StartsWith('C')), l => Assert.True(l.Quantity < 0));
    }

    [Fact]
    public void Generate_FullYear_ReturnsOnlyWhatTheCustomerBoughtBefore()
    {
        var bought = new Dictionary<(string, string), int>();
        var returned = new Dictionary<(string, string), int>();
        var returnLines = 0;
        foreach (var line in YearLines.Value.Where(l => l.CustomerId is not null && !CleaningRules.Default.NonProductStockCodes.Contains(l.StockCode)))
        {
            var key = (line.CustomerId!, line.StockCode);
            if (line.Quantity > 0)
            {
                bought[key] = bought.GetValueOrDefault(key) + line.Quantity;
                continue;
            }

            if (line.Quantity < 0)
            {
                returnLines++;
                returned[key] = returned.GetValueOrDefault(key) - line.Quantity;
                Assert.True(returned[key] <= bought.GetValueOrDefault(key), $"{line}: returns {returned[key]}, bought {bought.GetValueOrDefault(key)}");
            }
        }

        Assert.True(returnLines > 100, $"only {returnLines} return lines");
    }

    [Fact]
    public void WriteCsv_ReadBackWithOnlineRetailReader_EveryRowWellFormed()
    {
        var lines = YearLines.Value;
        var (summary, accepted) = YearReadBack.Value;

        Assert.Equal(lines.Count, summary.Total);
        Assert.All(ParseErrors, reason => Assert.Equal(0, summary.RejectedFor(reason)));
        Assert.Equal(lines.Where(l => ExpectedRejection(l) is null).Select(Canonical), accepted.Select(Canonical));
    }

    [Fact]
    public void WriteCsv_ReadBack_DirtyLinesRejectedByTheirCleaningRule()
    {
        var lines = YearLines.Value;
        var summary = YearReadBack.Value.Summary;

        var expected = lines.Select(ExpectedRejection).Where(r => r is not null).CountBy(r => r!.Value).ToDictionary();
        Assert.All(DirtyReasons, reason => Assert.True(expected.GetValueOrDefault(reason) > 0, $"no {reason} lines"));
        Assert.All(expected, pair => Assert.Equal(pair.Value, summary.RejectedFor(pair.Key)));
        var dirtyShare = DirtyReasons.Sum(r => expected.GetValueOrDefault(r)) / (double)lines.Count;
        Assert.InRange(dirtyShare, 0.6 * YearOptions.DirtyLineShare, 1.4 * YearOptions.DirtyLineShare);
    }

    [Fact]
    public void WriteCsv_NoDirtyLinesAndNoGuests_EveryLineAccepted()
    {
        var generator = new SyntheticRetailGenerator(new SyntheticRetailOptions
        {
            Customers = 300, Days = 120, Products = 800, DirtyLineShare = 0, MissingCustomerIdShare = 0,
        });

        var summary = ReadBack(generator, out _);

        Assert.True(summary.Accepted > 10_000);
        Assert.Equal(0, summary.Rejected);
    }

    [Fact]
    public void WriteCsv_Always_HeaderThenNewlineTerminatedRows()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        new SyntheticRetailGenerator(new SyntheticRetailOptions { Customers = 20, Days = 30, Products = 50 }).WriteCsv(writer);
        var csv = writer.ToString();

        Assert.StartsWith("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n", csv, StringComparison.Ordinal);
        Assert.EndsWith("\n", csv, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', csv);
    }

    [Fact]
    public void ToCsvRow_CommaOrQuoteInDescription_QuotesOnlyThatField()
    {
        var date = new DateTime(2011, 3, 4, 9, 5, 0);
        var comma = new SyntheticLine("536365", "21506", "TRAY, BREAKFAST IN BED", 24, date, 0.42m, "13408", "United Kingdom");
        var quote = new SyntheticLine("C536366", "22041", "LETTER \"D\" KEY RING", -2, date, 18m, null, "EIRE");

        Assert.Equal("536365,21506,\"TRAY, BREAKFAST IN BED\",24,2011-03-04 09:05:00,0.42,13408,United Kingdom", comma.ToCsvRow());
        Assert.Equal("C536366,22041,\"LETTER \"\"D\"\" KEY RING\",-2,2011-03-04 09:05:00,18.0,,EIRE", quote.ToCsvRow());
    }

    [Fact]
    public void Generate_WindowOnlyASaturday_NoLines()
    {
        var saturday = new DateTime(2011, 1, 8);

        Assert.Empty(new SyntheticRetailGenerator(new SyntheticRetailOptions { Start = saturday, Days = 1 }).Generate());
    }

    public static TheoryData<SyntheticRetailOptions, string> InvalidOptions => new()
    {
        { new SyntheticRetailOptions { Customers = 0 }, nameof(SyntheticRetailOptions.Customers) },
        { new SyntheticRetailOptions { Products = 0 }, nameof(SyntheticRetailOptions.Products) },
        { new SyntheticRetailOptions { Days = 0 }, nameof(SyntheticRetailOptions.Days) },
        { new SyntheticRetailOptions { Start = new DateTime(2011, 1, 1, 12, 0, 0) }, nameof(SyntheticRetailOptions.Start) },
        { new SyntheticRetailOptions { Start = DateTime.MaxValue.Date }, nameof(SyntheticRetailOptions.Start) },
        { new SyntheticRetailOptions { MissingCustomerIdShare = 1 }, nameof(SyntheticRetailOptions.MissingCustomerIdShare) },
        { new SyntheticRetailOptions { ReturnProbability = -0.1 }, nameof(SyntheticRetailOptions.ReturnProbability) },
        { new SyntheticRetailOptions { DirtyLineShare = double.NaN }, nameof(SyntheticRetailOptions.DirtyLineShare) },
        { new SyntheticRetailOptions { WholesaleCustomerShare = 1.5 }, nameof(SyntheticRetailOptions.WholesaleCustomerShare) },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Constructor_OptionOutOfRange_ThrowsNamingTheOption(SyntheticRetailOptions options, string option)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticRetailGenerator(options));

        Assert.Equal(option, error.ParamName);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    private static IngestSummary ReadBack(SyntheticRetailGenerator generator, out List<TransactionLine> accepted)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        generator.WriteCsv(writer);
        var summary = new IngestSummary();
        accepted = [.. new OnlineRetailReader("synthetic").Read(new StringReader(writer.ToString()), summary)];
        return summary;
    }

    // The cleaning rules, in their order, as they should judge a generated line.
    private static RejectReason? ExpectedRejection(SyntheticLine line)
    {
        var rules = CleaningRules.Default;
        return line switch
        {
            { Quantity: 0 } => RejectReason.ZeroQuantity,
            _ when line.UnitPrice < rules.MinimumUnitPrice => RejectReason.PriceBelowMinimum,
            _ when rules.NonProductStockCodes.Contains(line.StockCode) => RejectReason.NonProductStockCode,
            _ when rules.ExcludedCountries.Contains(line.Country) => RejectReason.ExcludedCountry,
            { CustomerId: null } => RejectReason.MissingCustomerId,
            _ => null,
        };
    }

    private static string Canonical(SyntheticLine l) =>
        string.Join('|', l.InvoiceNo, l.StockCode, l.Quantity, l.InvoiceDate.ToString("s", CultureInfo.InvariantCulture), l.UnitPrice.ToString("0.00", CultureInfo.InvariantCulture), l.CustomerId, l.Country);

    private static string Canonical(TransactionLine l) =>
        string.Join('|', l.InvoiceNo, l.StockCode, l.Quantity, l.InvoiceDate.ToString("s", CultureInfo.InvariantCulture), l.UnitPrice.ToString("0.00", CultureInfo.InvariantCulture), l.CustomerId, l.Country);
}
