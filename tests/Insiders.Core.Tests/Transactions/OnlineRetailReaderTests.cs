using System.IO.Compression;
using System.Text;
using Insiders.Transactions;

namespace Insiders.Core.Tests.Transactions;

public sealed class OnlineRetailReaderTests
{
    private const string Source = "test.csv";
    private const string Header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";

    private static string Row(
        string invoice = "536365",
        string stock = "85123A",
        string description = "WHITE HANGING HEART",
        string quantity = "6",
        string date = "2010-12-01 08:26:00",
        string price = "2.55",
        string customer = "17850",
        string country = "United Kingdom") =>
        string.Join(',', invoice, stock, description, quantity, date, price, customer, country);

    private static string Csv(params string[] rows) => Header + "\n" + string.Join("\n", rows) + "\n";

    private static (List<TransactionLine> Accepted, List<LineRejection> Rejected, IngestSummary Summary) Read(
        string csv, CleaningRules? rules = null)
    {
        var summary = new IngestSummary();
        var rejected = new List<LineRejection>();
        var accepted = new OnlineRetailReader(Source, rules).Read(new StringReader(csv), summary, rejected.Add).ToList();
        return (accepted, rejected, summary);
    }

    private static LineRejection SingleRejection(string csv, CleaningRules? rules = null)
    {
        var (accepted, rejected, summary) = Read(csv, rules);
        Assert.Empty(accepted);
        Assert.Equal(0, summary.Accepted);
        Assert.Equal(1, summary.Rejected);
        var rejection = Assert.Single(rejected);
        Assert.Equal(1, summary.RejectedFor(rejection.Reason));
        Assert.Equal(rejection, Assert.Single(summary.Examples));
        return rejection;
    }

    private static void AssertRejection(LineRejection rejection, long line, RejectReason reason, string? field)
    {
        Assert.Equal(line, rejection.LineNumber);
        Assert.Equal(reason, rejection.Reason);
        Assert.Equal(field, rejection.Field);
    }

    [Fact]
    public void Read_ValidRow_ParsesEveryField()
    {
        var (accepted, rejected, _) = Read(Csv(Row()));

        Assert.Empty(rejected);
        var line = Assert.Single(accepted);
        Assert.Equal(LineIdentity.For(Source, 2), line.LineId);
        Assert.Equal("536365", line.InvoiceNo);
        Assert.Equal("85123A", line.StockCode);
        Assert.Equal(6, line.Quantity);
        Assert.Equal(new DateTime(2010, 12, 1, 8, 26, 0), line.InvoiceDate);
        Assert.Equal(2.55m, line.UnitPrice);
        Assert.Equal("17850", line.CustomerId);
        Assert.Equal("United Kingdom", line.Country);
        Assert.True(line.IsPurchase);
        Assert.Equal(15.30m, line.LineValue);
    }

    [Fact]
    public void Read_UsDateFormat_ParsesSameInstant()
    {
        var line = Assert.Single(Read(Csv(Row(date: "12/1/2010 8:26"))).Accepted);

        Assert.Equal(new DateTime(2010, 12, 1, 8, 26, 0), line.InvoiceDate);
    }

    [Fact]
    public void Read_PriceBelowMinimum_RejectedOnUnitPrice()
    {
        var rejection = SingleRejection(Csv(Row(price: "0.03")));

        AssertRejection(rejection, 2, RejectReason.PriceBelowMinimum, "UnitPrice");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-11062.06")]
    public void Read_ZeroOrNegativePrice_RejectedAsBelowMinimum(string price)
    {
        var rejection = SingleRejection(Csv(Row(price: price)));

        AssertRejection(rejection, 2, RejectReason.PriceBelowMinimum, "UnitPrice");
    }

    [Fact]
    public void Read_PriceExactlyMinimum_Accepted()
    {
        var line = Assert.Single(Read(Csv(Row(price: "0.04"))).Accepted);

        Assert.Equal(0.04m, line.UnitPrice);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("D")]
    [InlineData("DOT")]
    [InlineData("M")]
    [InlineData("S")]
    [InlineData("AMAZONFEE")]
    [InlineData("m")]
    [InlineData("DCGSSBOY")]
    [InlineData("DCGSSGIRL")]
    [InlineData("PADS")]
    [InlineData("B")]
    [InlineData("CRUK")]
    public void Read_NonProductStockCode_RejectedOnStockCode(string code)
    {
        var rejection = SingleRejection(Csv(Row(stock: code)));

        AssertRejection(rejection, 2, RejectReason.NonProductStockCode, "StockCode");
    }

    [Theory]
    [InlineData("Post")]
    [InlineData("post")]
    [InlineData("d")]
    [InlineData("Dot")]
    [InlineData("s")]
    [InlineData("AmazonFee")]
    [InlineData("POST1")]
    public void Read_StockCodeDifferingOnlyInCase_Accepted(string code)
    {
        var line = Assert.Single(Read(Csv(Row(stock: code))).Accepted);

        Assert.Equal(code, line.StockCode);
    }

    [Theory]
    [InlineData("European Community")]
    [InlineData("Unspecified")]
    public void Read_ExcludedCountry_RejectedOnCountry(string country)
    {
        var rejection = SingleRejection(Csv(Row(country: country)));

        AssertRejection(rejection, 2, RejectReason.ExcludedCountry, "Country");
    }

    [Fact]
    public void Read_ZeroQuantity_RejectedOnQuantity()
    {
        var rejection = SingleRejection(Csv(Row(quantity: "0")));

        AssertRejection(rejection, 2, RejectReason.ZeroQuantity, "Quantity");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("")]
    [InlineData("99999999999")]
    public void Read_UnparsableQuantity_RejectedOnQuantity(string quantity)
    {
        var rejection = SingleRejection(Csv(Row(quantity: quantity)));

        AssertRejection(rejection, 2, RejectReason.InvalidQuantity, "Quantity");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    [InlineData("2,55")]
    public void Read_UnparsableOrNonFinitePrice_RejectedOnUnitPrice(string price)
    {
        // "2,55" splits into an extra column unless quoted; quote every value so that only the price is at fault.
        var rejection = SingleRejection(Csv(Row(price: "\"" + price + "\"")));

        AssertRejection(rejection, 2, RejectReason.InvalidUnitPrice, "UnitPrice");
    }

    [Theory]
    [InlineData("not a date")]
    [InlineData("2010-13-01 08:26:00")]
    [InlineData("2010-02-30 08:26:00")]
    [InlineData("")]
    public void Read_UnparsableDate_RejectedOnInvoiceDate(string date)
    {
        var rejection = SingleRejection(Csv(Row(date: date)));

        AssertRejection(rejection, 2, RejectReason.InvalidInvoiceDate, "InvoiceDate");
    }

    [Fact]
    public void Read_UnparsableFieldOnLaterLine_ReportsThatLineNumber()
    {
        var (accepted, rejected, _) = Read(Csv(Row(), Row(), Row(quantity: "x"), Row()));

        Assert.Equal(3, accepted.Count);
        AssertRejection(Assert.Single(rejected), 4, RejectReason.InvalidQuantity, "Quantity");
    }

    [Fact]
    public void Read_MissingCustomerUnderDrop_RejectedAsMissingCustomerId()
    {
        var rejection = SingleRejection(Csv(Row(customer: "")), new CleaningRules { MissingCustomer = MissingCustomerPolicy.Drop });

        AssertRejection(rejection, 2, RejectReason.MissingCustomerId, "CustomerID");
    }

    [Fact]
    public void Read_MissingCustomerByDefault_Dropped()
    {
        var rejection = SingleRejection(Csv(Row(customer: "  ")));

        AssertRejection(rejection, 2, RejectReason.MissingCustomerId, "CustomerID");
    }

    [Fact]
    public void Read_MissingCustomerUnderPerInvoice_BecomesInvoiceCustomer()
    {
        var rules = new CleaningRules { MissingCustomer = MissingCustomerPolicy.PerInvoice };

        var (accepted, rejected, summary) = Read(Csv(Row(invoice: "536544", customer: ""), Row(invoice: "536545", customer: "")), rules);

        Assert.Empty(rejected);
        Assert.Equal(2, summary.Accepted);
        Assert.Equal(["inv-536544", "inv-536545"], accepted.Select(l => l.CustomerId));
    }

    [Fact]
    public void Read_InvalidCustomerId_RejectedOnCustomerId()
    {
        var rejection = SingleRejection(Csv(Row(customer: "178 50")));

        AssertRejection(rejection, 2, RejectReason.InvalidCustomerId, "CustomerID");
    }

    [Fact]
    public void Read_NegativeQuantity_AcceptedAsReturn()
    {
        var line = Assert.Single(Read(Csv(Row(invoice: "C536379", quantity: "-2", price: "2.55"))).Accepted);

        Assert.Equal(-2, line.Quantity);
        Assert.False(line.IsPurchase);
        Assert.Equal(-5.10m, line.LineValue);
        Assert.Equal("C536379", line.InvoiceNo);
    }

    [Fact]
    public void Read_IdenticalLines_BothAcceptedWithDifferentIds()
    {
        var (accepted, _, summary) = Read(Csv(Row(), Row()));

        Assert.Equal(2, summary.Accepted);
        Assert.Equal(2, accepted.Count);
        Assert.Equal(accepted[0] with { LineId = 0 }, accepted[1] with { LineId = 0 });
        Assert.NotEqual(accepted[0].LineId, accepted[1].LineId);
        Assert.Equal(LineIdentity.For(Source, 2), accepted[0].LineId);
        Assert.Equal(LineIdentity.For(Source, 3), accepted[1].LineId);
    }

    [Fact]
    public void Read_QuotedDescriptionWithCommas_Parsed()
    {
        var line = Assert.Single(Read(Csv(Row(description: "\"HEART, WHITE, HANGING\"", quantity: "3"))).Accepted);

        Assert.Equal(3, line.Quantity);
        Assert.Equal(2.55m, line.UnitPrice);
        Assert.Equal("17850", line.CustomerId);
        Assert.Equal("United Kingdom", line.Country);
    }

    [Fact]
    public void Read_QuotedDescriptionWithEscapedQuotes_Parsed()
    {
        var line = Assert.Single(Read(Csv(Row(description: "\"12\"\" RULER, \"\"BIG\"\"\"", quantity: "4"))).Accepted);

        Assert.Equal(4, line.Quantity);
        Assert.Equal("85123A", line.StockCode);
        Assert.Equal("United Kingdom", line.Country);
    }

    [Fact]
    public void Read_QuotedFieldsEverywhere_Parsed()
    {
        var csv = Csv("\"536365\",\"85123A\",\"X\",\"6\",\"2010-12-01 08:26:00\",\"2.55\",\"17850\",\"United Kingdom\"");

        var line = Assert.Single(Read(csv).Accepted);

        Assert.Equal("536365", line.InvoiceNo);
        Assert.Equal(6, line.Quantity);
        Assert.Equal(2.55m, line.UnitPrice);
        Assert.Equal("United Kingdom", line.Country);
    }

    [Fact]
    public void Read_QuotedFieldSpanningTwoLines_ParsedAndLaterLineNumbersRight()
    {
        // Physical lines: 1 header, 2-3 one record, 4 good, 5 zero quantity, 6 good.
        var csv = Header + "\n"
            + "1,85123A,\"FIRST LINE\nSECOND LINE\",6,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
            + Row(invoice: "2") + "\n"
            + Row(invoice: "3", quantity: "0") + "\n"
            + Row(invoice: "4") + "\n";

        var (accepted, rejected, summary) = Read(csv);

        Assert.Equal(["1", "2", "4"], accepted.Select(l => l.InvoiceNo));
        Assert.Equal(6, accepted[0].Quantity);
        Assert.Equal("United Kingdom", accepted[0].Country);
        Assert.Equal(
            [LineIdentity.For(Source, 2), LineIdentity.For(Source, 4), LineIdentity.For(Source, 6)],
            accepted.Select(l => l.LineId));
        AssertRejection(Assert.Single(rejected), 5, RejectReason.ZeroQuantity, "Quantity");
        Assert.Equal(4, summary.Total);
    }

    [Fact]
    public void Read_CrLfLineEndings_Parsed()
    {
        var csv = Header + "\r\n" + Row(invoice: "1") + "\r\n" + Row(invoice: "2", quantity: "0") + "\r\n";

        var (accepted, rejected, _) = Read(csv);

        Assert.Equal("1", Assert.Single(accepted).InvoiceNo);
        AssertRejection(Assert.Single(rejected), 3, RejectReason.ZeroQuantity, "Quantity");
    }

    [Theory]
    [InlineData("536365,85123A,WHITE,6,2010-12-01 08:26:00,2.55,17850")]
    [InlineData("536365,85123A,WHITE,6,2010-12-01 08:26:00,2.55,17850,United Kingdom,extra")]
    [InlineData("536365,85123A,\"WHITE\"X,6,2010-12-01 08:26:00,2.55,17850,United Kingdom")]
    public void Read_WrongColumnCountOrBrokenQuoting_MalformedRowWithLineNumber(string bad)
    {
        var (accepted, rejected, summary) = Read(Csv(Row(invoice: "1"), bad, Row(invoice: "3")));

        Assert.Equal(["1", "3"], accepted.Select(l => l.InvoiceNo));
        AssertRejection(Assert.Single(rejected), 3, RejectReason.MalformedRow, null);
        Assert.Equal(1, summary.RejectedFor(RejectReason.MalformedRow));
    }

    [Fact]
    public void Read_HeaderInOtherOrderWithUnknownColumn_MapsByName()
    {
        var csv = "Country,Extra,CustomerID,UnitPrice,InvoiceDate,Quantity,Description,StockCode,InvoiceNo\n"
            + "France,whatever,12345,1.25,2011-03-04 05:06:07,12,\"A, B\",22423,540001\n";

        var (accepted, rejected, _) = Read(csv);

        Assert.Empty(rejected);
        var line = Assert.Single(accepted);
        Assert.Equal("540001", line.InvoiceNo);
        Assert.Equal("22423", line.StockCode);
        Assert.Equal(12, line.Quantity);
        Assert.Equal(new DateTime(2011, 3, 4, 5, 6, 7), line.InvoiceDate);
        Assert.Equal(1.25m, line.UnitPrice);
        Assert.Equal("12345", line.CustomerId);
        Assert.Equal("France", line.Country);
    }

    [Fact]
    public void Read_HeaderWithBomAndOtherCase_MapsByName()
    {
        var csv = "\uFEFFinvoiceno,stockcode,description,quantity,invoicedate,unitprice,customerid,country\n" + Row() + "\n";

        Assert.Equal("17850", Assert.Single(Read(csv).Accepted).CustomerId);
    }

    [Theory]
    [InlineData("UnitPrice")]
    [InlineData("CustomerID")]
    [InlineData("Description")]
    [InlineData("InvoiceNo")]
    public void Read_HeaderMissingColumn_ThrowsInvalidDataNamingColumn(string missing)
    {
        var header = string.Join(',', OnlineRetailReader.RequiredColumns.Where(c => c != missing));
        var reader = new OnlineRetailReader(Source);

        var ex = Assert.Throws<InvalidDataException>(() => reader.Read(new StringReader(header + "\n"), new IngestSummary()).ToList());

        Assert.Contains("'" + missing + "'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyInput_ThrowsInvalidData()
    {
        var reader = new OnlineRetailReader(Source);

        Assert.Throws<InvalidDataException>(() => reader.Read(new StringReader(string.Empty), new IngestSummary()).ToList());
    }

    [Fact]
    public void Read_FloatFormattedPriceAndCustomer_Normalised()
    {
        var line = Assert.Single(Read(Csv(Row(price: "18.0", customer: "17850.0"))).Accepted);

        Assert.Equal(18m, line.UnitPrice);
        Assert.Equal("17850", line.CustomerId);
    }

    [Theory]
    [InlineData("17850.0", "17850")]
    [InlineData(" 17850 ", "17850")]
    [InlineData("ABC-1_x.2", "ABC-1_x.2")]
    [InlineData("17850.5", "17850.5")]
    [InlineData(".0", ".0")]
    [InlineData("a b", null)]
    [InlineData("-17850", null)]
    [InlineData("17850-", "17850-")]
    [InlineData("", null)]
    public void NormaliseCustomerId_Inputs_ExpectedIds(string text, string? expected)
    {
        Assert.Equal(expected, OnlineRetailReader.NormaliseCustomerId(text));
    }

    [Fact]
    public void Read_BadLinesBetweenGoodOnes_CountsEveryReason()
    {
        var csv = Csv(
            Row(invoice: "1"),                              // 2 accepted
            Row(quantity: "0"),                             // 3 zero quantity
            Row(price: "0.01"),                             // 4 price below minimum
            Row(invoice: "2", quantity: "-1"),              // 5 accepted (return)
            Row(stock: "POST"),                             // 6 non-product
            Row(country: "Unspecified"),                    // 7 excluded country
            Row(customer: ""),                              // 8 missing customer
            "too,few,columns",                              // 9 malformed
            Row(quantity: "six"),                           // 10 invalid quantity
            Row(date: "yesterday"),                         // 11 invalid date
            Row(price: "free"),                             // 12 invalid price
            Row(stock: "D"),                                // 13 non-product
            Row(invoice: "3"));                             // 14 accepted

        var (accepted, rejected, summary) = Read(csv);

        Assert.Equal(["1", "2", "3"], accepted.Select(l => l.InvoiceNo));
        Assert.Equal(3, summary.Accepted);
        Assert.Equal(10, summary.Rejected);
        Assert.Equal(13, summary.Total);
        Assert.Equal(1, summary.RejectedFor(RejectReason.ZeroQuantity));
        Assert.Equal(1, summary.RejectedFor(RejectReason.PriceBelowMinimum));
        Assert.Equal(2, summary.RejectedFor(RejectReason.NonProductStockCode));
        Assert.Equal(1, summary.RejectedFor(RejectReason.ExcludedCountry));
        Assert.Equal(1, summary.RejectedFor(RejectReason.MissingCustomerId));
        Assert.Equal(1, summary.RejectedFor(RejectReason.MalformedRow));
        Assert.Equal(1, summary.RejectedFor(RejectReason.InvalidQuantity));
        Assert.Equal(1, summary.RejectedFor(RejectReason.InvalidInvoiceDate));
        Assert.Equal(1, summary.RejectedFor(RejectReason.InvalidUnitPrice));
        Assert.Equal(0, summary.RejectedFor(RejectReason.InvalidCustomerId));
        Assert.Equal([3L, 4, 6, 7, 8, 9, 10, 11, 12, 13], rejected.Select(r => r.LineNumber));
        Assert.Equal(rejected, summary.Examples);
        Assert.Equal(
            [LineIdentity.For(Source, 2), LineIdentity.For(Source, 5), LineIdentity.For(Source, 14)],
            accepted.Select(l => l.LineId));
    }

    [Fact]
    public void Read_StrayQuoteInUnquotedField_OnlyThatLineRejected()
    {
        // An unquoted description with an inch mark (12" RULER) is broken quoting: that line is malformed,
        // but the lines after it are good and must still be read.
        var csv = Csv(Row(invoice: "1"), Row(invoice: "2", description: "12\" RULER"), Row(invoice: "3"), Row(invoice: "4"));

        var (accepted, rejected, _) = Read(csv);

        Assert.Equal(["1", "3", "4"], accepted.Select(l => l.InvoiceNo));
        AssertRejection(Assert.Single(rejected), 3, RejectReason.MalformedRow, null);
    }

    [Fact]
    public void Read_UnterminatedQuote_OnlyThatLineRejected_FollowingLinesRead()
    {
        // Line 3 opens a quote that never closes: the record would run to the end of the input. It is rejected alone
        // and lines 4-6 are read as records of their own (line 5 still has its own reason).
        var csv = Csv(
            Row(invoice: "1"),
            Row(invoice: "2", description: "\"WHITE HANGING"),
            Row(invoice: "3"),
            Row(invoice: "4", quantity: "0"),
            Row(invoice: "5"));

        var (accepted, rejected, summary) = Read(csv);

        Assert.Equal(["1", "3", "5"], accepted.Select(l => l.InvoiceNo));
        Assert.Equal([LineIdentity.For(Source, 2), LineIdentity.For(Source, 4), LineIdentity.For(Source, 6)], accepted.Select(l => l.LineId));
        Assert.Equal(2, rejected.Count);
        AssertRejection(rejected[0], 3, RejectReason.MalformedRow, null);
        AssertRejection(rejected[1], 5, RejectReason.ZeroQuantity, "Quantity");
        Assert.Equal(5, summary.Total);
    }

    [Fact]
    public void Read_QuoteClosingOnLaterLineIntoGarbage_OnlyFirstLineRejected()
    {
        // Line 2's open quote is closed by the quoted description of line 4: lines 2-4 would make one record with the
        // wrong column count. Only line 2 is at fault; lines 3 and 4 are good.
        var csv = Csv(
            Row(invoice: "1", description: "\"OPEN"),
            Row(invoice: "2"),
            Row(invoice: "3", description: "\"A, B\""));

        var (accepted, rejected, summary) = Read(csv);

        Assert.Equal(["2", "3"], accepted.Select(l => l.InvoiceNo));
        AssertRejection(Assert.Single(rejected), 2, RejectReason.MalformedRow, null);
        Assert.Equal(3, summary.Total);
    }

    [Fact]
    public void Read_QuotedFieldSpanningMoreThan16Lines_RejectedAndLinesReadAgain()
    {
        var rows = new List<string> { Row(invoice: "1", description: "\"LONG") };
        rows.AddRange(Enumerable.Range(0, 20).Select(i => "filler " + i));
        rows.Add("END\",6,2010-12-01 08:26:00,2.55,17850,United Kingdom");
        rows.Add(Row(invoice: "2"));

        var (accepted, rejected, summary) = Read(Csv([.. rows]));

        Assert.Equal("2", Assert.Single(accepted).InvoiceNo);
        Assert.Equal(LineIdentity.For(Source, 24), accepted[0].LineId);
        Assert.Contains("16 lines", rejected[0].Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(2, 22).Select(n => (long)n), rejected.Select(r => r.LineNumber));
        Assert.All(rejected, r => Assert.Equal(RejectReason.MalformedRow, r.Reason));
        Assert.Equal(23, summary.Total);
    }

    [Fact]
    public void Read_WellFormedMultiLineRecordWithBadValue_OneRejection_NextLineRight()
    {
        var csv = Header + "\n"
            + "1,85123A,\"FIRST\nSECOND\",six,2010-12-01 08:26:00,2.55,17850,United Kingdom\n"
            + Row(invoice: "2") + "\n";

        var (accepted, rejected, summary) = Read(csv);

        AssertRejection(Assert.Single(rejected), 2, RejectReason.InvalidQuantity, "Quantity");
        Assert.Equal(LineIdentity.For(Source, 4), Assert.Single(accepted).LineId);
        Assert.Equal(2, summary.Total);
    }

    [Theory]
    [InlineData("0001-01-01 00:00:00")]
    [InlineData("1969-12-31 23:59:59")]
    [InlineData("2100-01-01 00:00:00")]
    [InlineData("9999-12-31 23:59:59")]
    public void Read_DateOutsidePlausibleYears_RejectedOnInvoiceDate(string date)
    {
        var rejection = SingleRejection(Csv(Row(date: date)));

        AssertRejection(rejection, 2, RejectReason.InvalidInvoiceDate, "InvoiceDate");
        Assert.Contains("outside 1970-2099", rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1970-01-01 00:00:00")]
    [InlineData("2099-12-31 23:59:59")]
    public void Read_DateAtEdgeOfPlausibleYears_Accepted(string date)
    {
        Assert.Single(Read(Csv(Row(date: date))).Accepted);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-A1")]
    [InlineData("-2-3")]
    public void Read_CustomerIdStartingWithMinus_RejectedAsFormulaLike(string customer)
    {
        var rejection = SingleRejection(Csv(Row(customer: customer)));

        AssertRejection(rejection, 2, RejectReason.InvalidCustomerId, "CustomerID");
    }

    [Fact]
    public void Read_BlankLines_Skipped()
    {
        var csv = Header + "\n" + Row(invoice: "1") + "\n\n" + Row(invoice: "2", quantity: "0") + "\n\n";

        var (accepted, rejected, summary) = Read(csv);

        Assert.Equal("1", Assert.Single(accepted).InvoiceNo);
        AssertRejection(Assert.Single(rejected), 4, RejectReason.ZeroQuantity, "Quantity");
        Assert.Equal(2, summary.Total);
    }

    [Fact]
    public void ReadFile_GzipFileNamedGz_Decompressed()
    {
        var path = Path.Combine(Path.GetTempPath(), "insiders-" + Guid.NewGuid().ToString("N") + ".csv.gz");
        try
        {
            WriteGzip(path, Csv(Row(invoice: "1"), Row(invoice: "2", quantity: "0"), Row(invoice: "3")));

            var summary = new IngestSummary();
            var accepted = new OnlineRetailReader(Source).ReadFile(path, summary).ToList();

            Assert.Equal(["1", "3"], accepted.Select(l => l.InvoiceNo));
            Assert.Equal(1, summary.RejectedFor(RejectReason.ZeroQuantity));
            Assert.Equal(3, summary.Total);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OpenFile_GzipContentUnderCsvName_DetectedByContent()
    {
        var path = Path.Combine(Path.GetTempPath(), "insiders-" + Guid.NewGuid().ToString("N") + ".csv");
        var csv = Csv(Row(invoice: "7"));
        try
        {
            WriteGzip(path, csv);

            using (var stream = OnlineRetailReader.OpenFile(path))
            using (var text = new StreamReader(stream, Encoding.UTF8))
            {
                Assert.Equal(csv, text.ReadToEnd());
            }

            var line = Assert.Single(new OnlineRetailReader(Source).ReadFile(path, new IngestSummary()));
            Assert.Equal("7", line.InvoiceNo);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OpenFile_PlainContentUnderGzName_ReadAsPlainText()
    {
        var path = Path.Combine(Path.GetTempPath(), "insiders-" + Guid.NewGuid().ToString("N") + ".gz");
        var csv = Csv(Row(invoice: "8"));
        try
        {
            File.WriteAllText(path, csv);

            using (var stream = OnlineRetailReader.OpenFile(path))
            using (var text = new StreamReader(stream, Encoding.UTF8))
            {
                Assert.Equal(csv, text.ReadToEnd());
            }

            var line = Assert.Single(new OnlineRetailReader(Source).ReadFile(path, new IngestSummary()));
            Assert.Equal("8", line.InvoiceNo);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadFile_SameFileTwice_SameLineIds()
    {
        var path = Path.Combine(Path.GetTempPath(), "insiders-" + Guid.NewGuid().ToString("N") + ".csv");
        try
        {
            File.WriteAllText(path, Csv(Row(invoice: "1"), Row(invoice: "2")));

            var first = new OnlineRetailReader("retail-2011").ReadFile(path, new IngestSummary()).Select(l => l.LineId).ToList();
            var second = new OnlineRetailReader("retail-2011").ReadFile(path, new IngestSummary()).Select(l => l.LineId).ToList();
            var otherSource = new OnlineRetailReader("retail-2012").ReadFile(path, new IngestSummary()).Select(l => l.LineId).ToList();

            Assert.Equal(first, second);
            Assert.Empty(first.Intersect(otherSource));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LineIdentity_SameSourceAndPosition_SameId()
    {
        Assert.Equal(LineIdentity.For("online_retail.csv", 42), LineIdentity.For("online_retail.csv", 42));
        Assert.Equal(LineIdentity.For("online_retail.csv", 42), LineIdentity.For(LineIdentity.SourceHash("online_retail.csv"), 42));
    }

    [Fact]
    public void LineIdentity_DifferentPositions_DifferentIds()
    {
        var ids = Enumerable.Range(1, 10_000).Select(p => LineIdentity.For("online_retail.csv", p)).ToHashSet();

        Assert.Equal(10_000, ids.Count);
    }

    [Fact]
    public void LineIdentity_DifferentSources_DifferentIds()
    {
        Assert.NotEqual(LineIdentity.For("a.csv", 2), LineIdentity.For("b.csv", 2));
        Assert.NotEqual(LineIdentity.SourceHash("a.csv"), LineIdentity.SourceHash("b.csv"));
        var a = Enumerable.Range(1, 1_000).Select(p => LineIdentity.For("a.csv", p));
        var b = Enumerable.Range(1, 1_000).Select(p => LineIdentity.For("b.csv", p));
        Assert.Empty(a.Intersect(b));
    }

    [Fact]
    public void LineIdentity_SourceHash_IsFnv1aOverUtf16()
    {
        // FNV-1a 64 of the empty string is the offset basis; of "a" (0x61) it is (basis ^ 0x61) * prime.
        const ulong basis = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;

        Assert.Equal(basis, LineIdentity.SourceHash(string.Empty));
        Assert.Equal(unchecked((basis ^ 0x61UL) * prime), LineIdentity.SourceHash("a"));
    }

    private static void WriteGzip(string path, string text)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        var bytes = Encoding.UTF8.GetBytes(text);
        gzip.Write(bytes);
    }
}
