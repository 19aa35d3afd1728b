using System.Diagnostics;
using System.Globalization;
using Insiders.Backtesting;
using Insiders.Transactions;

namespace Insiders.Cli.Commands;

/// <summary>
/// <c>insiders backtest FILE --cut DATE [--until DATE] [--data-dir DIR] [--missing-customer ...]</c>: replays the lines
/// before the cut through the live system (a fresh temporary data directory unless --data-dir), retrains, and scores the
/// Insiders on the purchase revenue in [cut, until) of the customers known at the cut.
/// </summary>
internal static class BacktestCommand
{
    public static async Task<int> RunAsync(CliArguments args, TextWriter output)
    {
        var file = args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException("backtest needs exactly one FILE");
        var cut = args.GetDate("--cut") ?? throw new UsageException("backtest needs --cut DATE (yyyy-MM-dd)");
        var until = args.GetDate("--until");
        var dataDir = args.Get("--data-dir");
        var rules = new CleaningRules { MissingCustomer = ReplayCommand.ParsePolicy(args.Get("--missing-customer")) };
        args.RejectUnknown();
        if (!File.Exists(file))
        {
            throw new UsageException($"no such file: {file}");
        }

        var report = await RunAsync(file, cut, until, rules, dataDir);
        Print(output, report);
        return 0;
    }

    public static async Task<BacktestReport> RunAsync(string file, DateOnly cut, DateOnly? until, CleaningRules rules, string? dataDir = null)
    {
        var cutTime = cut.ToDateTime(TimeOnly.MinValue);
        var summary = new IngestSummary();
        var sw = Stopwatch.StartNew();
        var all = ReplayRunner.ReadSorted(file, Path.GetFileName(file), rules, summary);
        var before = all.Where(l => l.InvoiceDate < cutTime).ToList();
        var end = until ?? DateOnly.FromDateTime(all.Count == 0 ? cutTime : all[^1].InvoiceDate).AddDays(1);
        var endTime = end.ToDateTime(TimeOnly.MinValue);
        var forward = all.Where(l => l.InvoiceDate >= cutTime && l.InvoiceDate < endTime);

        var temp = dataDir is null;
        var dir = dataDir ?? Path.Combine(Path.GetTempPath(), "insiders-backtest-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var host = InsidersHost.Build(new Dictionary<string, string?>
            {
                ["Insiders:DataDirectory"] = dir,
                ["Insiders:RetrainPeriod"] = "00:00:00",
            });
            await host.StartAsync();
            var runner = new ReplayRunner(host);
            await runner.RunAsync(before, summary, sw.Elapsed, progress: null);
            var rows = await runner.FeatureRowsAsync();
            await host.StopAsync();
            var gross = rows.ToDictionary(r => r.Features.CustomerId, r => r.Features.GrossRevenue, StringComparer.Ordinal);
            var insiders = rows.Where(r => r.IsInsider).Select(r => r.Features.CustomerId).ToHashSet(StringComparer.Ordinal);
            return BacktestEvaluator.Evaluate(cut, end, gross, insiders, forward);
        }
        finally
        {
            if (temp)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // best effort clean-up of the temporary data directory
                }
            }
        }
    }

    private static void Print(TextWriter o, BacktestReport r)
    {
        var c = CultureInfo.InvariantCulture;
        o.WriteLine(string.Create(c, $"Backtest: Insiders chosen from lines before {r.Cut:yyyy-MM-dd}; forward window {r.Cut:yyyy-MM-dd} .. {r.Until.AddDays(-1):yyyy-MM-dd}"));
        o.WriteLine(string.Create(c, $"  customers known at the cut: {r.KnownCustomers:N0}; Insiders: {r.Insiders:N0} ({100 * r.InsiderShare:F1}% of customers)"));
        o.WriteLine(string.Create(c, $"  forward purchase revenue of known customers: {r.ForwardRevenue:N2}; of Insiders: {r.InsiderForwardRevenue:N2}"));
        o.WriteLine(string.Create(c, $"  Insiders' share of forward revenue: {100 * r.Capture:F1}%"));
        o.WriteLine(string.Create(c, $"  baseline, same number of top customers by gross revenue: {100 * r.TopRevenueSameShareCapture:F1}%; top 15% by gross revenue: {100 * r.TopRevenue15Capture:F1}%"));
    }
}
