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
}
