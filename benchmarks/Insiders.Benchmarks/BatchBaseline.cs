using System.Diagnostics;
using System.Globalization;
using Insiders.Features;
using Insiders.Transactions;

namespace Insiders.Benchmarks;

/// <summary>
/// The floor for a replay: the same reader and cleaning rules, then a plain in-process fold of every line into a
/// per-customer ledger in one dictionary and the features at the clock date — no grains, no journal, no storage.
/// </summary>
public static class BatchBaseline
{
    public sealed record Run(long LinesRead, int Customers, TimeSpan Read, TimeSpan Features)
    {
        public double LinesPerSecond => LinesRead / (Read + Features).TotalSeconds;
    }

    public static Run Once(string path)
    {
        var sw = Stopwatch.StartNew();
        var summary = new IngestSummary();
        var ledgers = Ledgers.New();
        var clock = DateTime.MinValue;
        foreach (var line in new OnlineRetailReader(Path.GetFileName(path)).ReadFile(path, summary))
        {
            ledgers.For(line.CustomerId).Apply(line);
            if (line.InvoiceDate > clock)
            {
                clock = line.InvoiceDate;
            }
        }

        var read = sw.Elapsed;
        var asOf = DateOnly.FromDateTime(clock);
        var customers = 0;
        foreach (var (id, ledger) in ledgers)
        {
            var s = ledger.ToHistory(id).SummaryBefore(asOf.AddDays(1));
            if (s.HasPurchases)
            {
                _ = s.FeaturesAt(asOf);
                customers++;
            }
        }

        return new Run(summary.Total, customers, read, sw.Elapsed - read);
    }

    /// <summary>Runs <paramref name="runs"/> times (after one warm-up) and prints each run and the median.</summary>
    public static int RunAll(string path, int runs, TextWriter output)
    {
        Once(path);
        var results = Enumerable.Range(0, runs).Select(_ => Once(path)).ToList();
        var c = CultureInfo.InvariantCulture;
        foreach (var r in results)
        {
            output.WriteLine(string.Create(c, $"batch: {r.LinesRead:N0} lines, {r.Customers:N0} customers with purchases; read+clean+fold {r.Read.TotalSeconds:0.00}s, features {r.Features.TotalSeconds:0.00}s; {r.LinesPerSecond:N0} lines/s"));
        }

        var median = results.Select(r => r.LinesPerSecond).Median();
        output.WriteLine(string.Create(c, $"median {median:0}"));
        return 0;
    }
}
