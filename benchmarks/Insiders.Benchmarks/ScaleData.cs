using System.Globalization;
using Insiders.Transactions;

namespace Insiders.Benchmarks;

/// <summary>
/// Compact synthetic lines for scale runs: <c>customers</c> customers over a year, few lines each with a heavy tail
/// (invoices per customer 1 + a discrete Pareto draw, mean about 2.3, capped at 200; 1–3 lines per invoice; about 8% of
/// invoices followed by a return), deterministic for a seed. The realistic generator (<c>insiders generate</c>) draws
/// about 12 lines per invoice and ~100 lines per customer-year, which at 1M customers is ~100M lines: more than a
/// ten-minute benchmark can ingest, and the retrain cost depends on customers, not on lines.
/// </summary>
public sealed class ScaleData(int customers, int seed, DateTime start, int days = 365)
{
    private const int Products = 2_000;

    public int Customers => customers;

    public DateTime Start => start;

    public DateTime End => start.AddDays(days);

    public static string CustomerId(int index) => (100_000 + index).ToString(CultureInfo.InvariantCulture);

    /// <summary>Every line, sorted by InvoiceDate (stable), with line ids of source <paramref name="source"/>.</summary>
    public TransactionLine[] Lines(string source)
    {
        var sourceHash = LineIdentity.SourceHash(source);
        var random = new Random(seed);
        var lines = new List<TransactionLine>(customers * 3);
        var invoice = 1_000_000;
        for (var c = 0; c < customers; c++)
        {
            var id = CustomerId(c);
            var invoices = 1 + Math.Min(199, (int)(Math.Pow(1 - random.NextDouble(), -1 / 1.6) - 1));
            for (var n = 0; n < invoices; n++)
            {
                var at = start.AddSeconds(random.NextDouble() * days * 86_400);
                var count = 1 + random.Next(3);
                var invoiceNo = (invoice++).ToString(CultureInfo.InvariantCulture);
                for (var l = 0; l < count; l++)
                {
                    var product = random.Next(Products);
                    var price = 0.5m + (product % 40) * 0.25m;
                    var quantity = 1 + random.Next(12);
                    lines.Add(new TransactionLine(0, invoiceNo, StockCode(product), quantity, at, price, id, "United Kingdom"));
                    if (random.NextDouble() < 0.03)
                    {
                        lines.Add(new TransactionLine(0, "C" + invoiceNo, StockCode(product), -1 - random.Next(quantity), at.AddDays(3 + random.Next(20)), price, id, "United Kingdom"));
                    }
                }
            }
        }

        var sorted = lines.Select((l, i) => (l, i)).ToArray();
        Array.Sort(sorted, static (a, b) =>
        {
            var d = a.l.InvoiceDate.CompareTo(b.l.InvoiceDate);
            return d != 0 ? d : a.i.CompareTo(b.i);
        });
        var result = new TransactionLine[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            result[i] = sorted[i].l with { LineId = LineIdentity.For(sourceHash, i + 1) };
        }

        return result;
    }

    public static string StockCode(int product) => (20_000 + product).ToString(CultureInfo.InvariantCulture);
}
