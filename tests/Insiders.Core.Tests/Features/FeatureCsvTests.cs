using System.Globalization;
using Insiders.Features;

namespace Insiders.Core.Tests.Features;

public sealed class FeatureCsvTests
{
    private static readonly CustomerFeatures Full = new(
        "17850", 32.00m, 2.50m, 29.50m, 3, 12, 3, 1, 10, 12.5, 4, 10, 0.25, 0.125);

    private static string Write(params (CustomerFeatures Features, int? Segment, bool IsInsider)[] rows)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        FeatureCsv.Write(writer, rows);
        return writer.ToString();
    }

    [Fact]
    public void Header_IsExactColumnList()
    {
        Assert.Equal(
            "customer_id,gross_revenue,returns_value,net_revenue,qty_invoices,qty_items,qty_products,qty_returns,recency_days,avg_ticket,avg_basket_size,avg_recency_days,frequency,return_rate,segment,is_insider",
            FeatureCsv.Header);
    }

    [Fact]
    public void Write_NoRows_HeaderOnly()
    {
        Assert.Equal(FeatureCsv.Header + "\n", Write());
    }

    [Fact]
    public void Write_Rows_ExactText()
    {
        var single = new CustomerFeatures("12346", 77183.60m, 0m, 77183.60m, 1, 74215, 1, 0, 325, 77183.6, 74215, null, 0.5, 0);

        var text = Write((Full, 2, true), (single, null, false));

        Assert.Equal(
            FeatureCsv.Header + "\n"
            + "17850,32.00,2.50,29.50,3,12,3,1,10,12.5,4,10,0.25,0.125,2,true\n"
            + "12346,77183.60,0,77183.60,1,74215,1,0,325,77183.6,74215,,0.5,0,,false\n",
            text);
    }

    [Fact]
    public void Write_CustomerIdWithCommaOrQuote_Quoted()
    {
        var text = Write((Full with { CustomerId = "a,b" }, 1, false), (Full with { CustomerId = "x\"y" }, 1, false));

        var lines = text.Split('\n');
        Assert.StartsWith("\"a,b\",32.00,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("\"x\"\"y\",32.00,", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Write_CommaDecimalCurrentCulture_StillInvariant()
    {
        var original = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NumberGroupSeparator = ".";
        try
        {
            CultureInfo.CurrentCulture = comma;

            var text = Write((Full, 2, true));

            Assert.Equal(FeatureCsv.Header + "\n17850,32.00,2.50,29.50,3,12,3,1,10,12.5,4,10,0.25,0.125,2,true\n", text);
        }
        finally
        {
            CultureInfo.CurrentCulture = original;
        }
    }

    [Fact]
    public void Write_EveryRow_HasHeaderColumnCount()
    {
        var text = Write((Full, 2, true), (Full with { AvgRecencyDays = null }, null, false));

        var columns = FeatureCsv.Header.Split(',').Length;
        Assert.All(text.TrimEnd('\n').Split('\n'), l => Assert.Equal(columns, l.Split(',').Length));
    }
}
