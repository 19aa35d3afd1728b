using System.Globalization;

namespace Insiders.Tests;

/// <summary>Reads the CLI's feature export back (the contract scripts depend on).</summary>
internal static class FeatureExport
{
    public sealed record Row(string Customer, decimal Gross, decimal ReturnsValue, decimal Net, int Invoices, long Items, int Products, long Returns,
        int Recency, double AvgTicket, double AvgBasket, double? AvgRecency, double Frequency, double ReturnRate, int? Segment, bool IsInsider);

    public static (string Header, List<Row> Rows) Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var c = CultureInfo.InvariantCulture;
        var rows = lines.Skip(1).Select(l => l.Split(',')).Select(f => new Row(
            f[0], decimal.Parse(f[1], c), decimal.Parse(f[2], c), decimal.Parse(f[3], c), int.Parse(f[4], c), long.Parse(f[5], c), int.Parse(f[6], c),
            long.Parse(f[7], c), int.Parse(f[8], c), double.Parse(f[9], c), double.Parse(f[10], c), f[11].Length == 0 ? null : double.Parse(f[11], c),
            double.Parse(f[12], c), double.Parse(f[13], c), f[14].Length == 0 ? null : int.Parse(f[14], c), bool.Parse(f[15]))).ToList();
        return (lines[0], rows);
    }

    /// <summary>Every exported row equals the independent batch recompute of the same file, and no customer is missing.</summary>
    public static void AssertEqualsBatch(IReadOnlyDictionary<string, BatchRecompute.Features> expected, IReadOnlyList<Row> rows)
    {
        Xunit.Assert.Equal(expected.Count, rows.Count);
        foreach (var row in rows)
        {
            var e = expected[row.Customer];
            Xunit.Assert.Equal(e.Gross, row.Gross);
            Xunit.Assert.Equal(e.ReturnsValue, row.ReturnsValue);
            Xunit.Assert.Equal(e.Net, row.Net);
            Xunit.Assert.Equal(e.Invoices, row.Invoices);
            Xunit.Assert.Equal(e.Items, row.Items);
            Xunit.Assert.Equal(e.Products, row.Products);
            Xunit.Assert.Equal(e.Returns, row.Returns);
            Xunit.Assert.Equal(e.Recency, row.Recency);
            Xunit.Assert.Equal(e.AvgTicket, row.AvgTicket, 9);
            Xunit.Assert.Equal(e.AvgBasket, row.AvgBasket, 9);
            Xunit.Assert.Equal(e.AvgRecency.HasValue, row.AvgRecency.HasValue);
            Xunit.Assert.Equal(e.AvgRecency ?? 0, row.AvgRecency ?? 0, 9);
            Xunit.Assert.Equal(e.Frequency, row.Frequency, 12);
            Xunit.Assert.Equal(e.ReturnRate, row.ReturnRate, 12);
        }
    }
}
