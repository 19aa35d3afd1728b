using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Insiders.Tests;

/// <summary>
/// An independent, plain batch computation of the customer features from a raw Online Retail file, written the way a
/// notebook would: its own CSV splitting, its own cleaning, LINQ group-bys. Shares no code with the product.
/// </summary>
internal static class BatchRecompute
{
    private static readonly HashSet<string> NonProducts = ["POST", "D", "DOT", "M", "S", "AMAZONFEE", "m", "DCGSSBOY", "DCGSSGIRL", "PADS", "B", "CRUK"];

    public sealed record Row(string Invoice, string Stock, int Qty, DateTime Date, decimal Price, string Customer);

    public sealed record Features(
        string CustomerId, decimal Gross, decimal ReturnsValue, decimal Net, int Invoices, long Items, int Products, long Returns,
        int Recency, double AvgTicket, double AvgBasket, double? AvgRecency, double Frequency, double ReturnRate);

    public static List<Row> ReadClean(string path, bool perInvoice = false)
    {
        using var file = File.OpenRead(path);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        var header = Split(reader.ReadLine()!);
        int Col(string name) => header.IndexOf(name);
        int iInv = Col("InvoiceNo"), iStock = Col("StockCode"), iQty = Col("Quantity"), iDate = Col("InvoiceDate"), iPrice = Col("UnitPrice"), iCust = Col("CustomerID"), iCountry = Col("Country");
        var rows = new List<Row>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            var f = Split(line);
            var qty = int.Parse(f[iQty], CultureInfo.InvariantCulture);
            var price = decimal.Parse(f[iPrice], CultureInfo.InvariantCulture);
            if (qty == 0 || price < 0.04m || NonProducts.Contains(f[iStock]) || f[iCountry] is "European Community" or "Unspecified")
            {
                continue;
            }

            var customer = f[iCust].Trim();
            if (customer.Length == 0)
            {
                if (!perInvoice)
                {
                    continue;
                }

                customer = "inv-" + f[iInv];
            }
            else if (customer.EndsWith(".0", StringComparison.Ordinal))
            {
                customer = customer[..^2];
            }

            rows.Add(new Row(f[iInv], f[iStock], qty, DateTime.ParseExact(f[iDate], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), price, customer));
        }

        return rows;
    }

    public static Dictionary<string, Features> Compute(IEnumerable<Row> rows, DateTime asOf)
    {
        var t = asOf.Date;
        var result = new Dictionary<string, Features>();
        foreach (var g in rows.GroupBy(r => r.Customer))
        {
            var purchases = g.Where(r => r.Qty > 0).ToList();
            if (purchases.Count == 0)
            {
                continue;
            }

            var returns = g.Where(r => r.Qty < 0).ToList();
            var gross = purchases.Sum(r => r.Qty * r.Price);
            var returnsValue = returns.Sum(r => -r.Qty * r.Price);
            var invoices = purchases.Select(r => r.Invoice).Distinct().Count();
            var items = purchases.Sum(r => (long)r.Qty);
            var returned = returns.Sum(r => -(long)r.Qty);
            var first = purchases.Min(r => r.Date).Date;
            var last = purchases.Max(r => r.Date).Date;
            result[g.Key] = new Features(
                g.Key, gross, returnsValue, gross - returnsValue, invoices, items, purchases.Select(r => r.Stock).Distinct().Count(), returned,
                (t - last).Days, (double)gross / invoices, (double)items / invoices,
                invoices < 2 ? null : (last - first).Days / (double)(invoices - 1),
                invoices / ((t - first).Days + 1.0),
                (double)returned / items);
        }

        return result;
    }

    // Minimal RFC 4180 field splitting for one physical line.
    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    sb.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    sb.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(sb.ToString());
                sb.Clear();
            }
            else
            {
                sb.Append(c);
            }
        }

        fields.Add(sb.ToString());
        return fields;
    }
}
