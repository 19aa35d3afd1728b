using System.Text;
using Insiders.Tests;
using Insiders.Transactions;

namespace Insiders.Core.Tests.Transactions;

public sealed class EventOrderScanTests
{
    private const string Header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";

    // A stream that hands out at most a few bytes per Read, so every field straddles buffer refills somewhere.
    private sealed class TrickleStream(byte[] data, int seed) : MemoryStream(data)
    {
        private readonly Random _random = new(seed);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, _random.Next(1, 8)));
    }

    private static EventOrderScan Scan(string text, bool trickle = false)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var stream = trickle ? new TrickleStream(bytes, 3) : new MemoryStream(bytes);
        return EventOrderScan.Scan(stream);
    }

    private static string Line(string date, string description = "WHITE MUG") =>
        $"536365,85123A,{description},6,{date},2.55,17850,United Kingdom";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Scan_DatesNonDecreasing_InOrderWithRecordCount(bool trickle)
    {
        var text = string.Join("\n", Header, Line("2010-12-01 08:26:00"), Line("2010-12-01 08:26:00"), Line("2010-12-01 08:28"), Line("2011-01-02 10:00:00")) + "\n";

        Assert.Equal(new EventOrderScan(4, true), Scan(text, trickle));
    }

    [Fact]
    public void Scan_OneLineEarlierThanTheOneBefore_NotInOrder()
    {
        var text = string.Join("\n", Header, Line("2010-12-01 08:26:00"), Line("2010-12-01 08:25:59"), Line("2011-01-02 10:00:00"));

        Assert.False(Scan(text).InOrder);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Scan_QuotedFieldsWithCommasEscapedQuotesAndLineBreaks_CountedAsTheReaderCountsThem(bool trickle)
    {
        var text = string.Join("\r\n",
            Header,
            Line("2010-12-01 08:26:00", "\"MUG, WHITE\""),
            Line("2010-12-01 09:00:00", "\"12\"\" RULER\""),
            Line("2010-12-01 10:00:00", "\"TWO\nLINES\""),
            string.Empty,
            Line("2010-12-02 10:00:00")) + "\r\n";

        var summary = new IngestSummary();
        var read = new OnlineRetailReader("t").Read(new StringReader(text), summary).Count();

        Assert.Equal(4, read);
        Assert.Equal(new EventOrderScan(summary.Total, true), Scan(text, trickle));
    }

    [Theory]
    [InlineData("12/1/2010 8:26")]          // a valid date, but its text order is not its time order
    [InlineData("2010-12-01T08:26:00")]
    [InlineData("not a date")]
    [InlineData("\"2010-12-01 08:26:00\"")]  // quoted date: left to the full reader
    public void Scan_DateTextThatCannotProveOrder_NotInOrder(string date)
    {
        Assert.False(Scan(string.Join("\n", Header, Line("2010-12-01 08:00:00"), Line(date))).InOrder);
    }

    [Fact]
    public void Scan_StrayQuoteInsideAnUnquotedField_NotInOrder()
    {
        Assert.False(Scan(string.Join("\n", Header, Line("2010-12-01 08:00:00", "12\" RULER"))).InOrder);
    }

    [Fact]
    public void Scan_HeaderWithoutInvoiceDate_NotInOrder()
    {
        Assert.Equal(new EventOrderScan(0, false), Scan("InvoiceNo,StockCode\n1,2\n"));
    }

    [Fact]
    public void Scan_SharedSixMonthFile_InOrder_SameRecordCountAsTheReader()
    {
        var summary = new IngestSummary();
        _ = new OnlineRetailReader("t").ReadFile(TestData.SixMonths, summary).Count();

        Assert.Equal(new EventOrderScan(summary.Total, true), EventOrderScan.Scan(TestData.SixMonths));
    }
}
