using System.Diagnostics;
using System.Globalization;
using Insiders.Features;
using Insiders.Transactions;

namespace Insiders.Cli.Commands;

/// <summary>
/// <c>insiders replay FILE [--data-dir DIR | --postgres CONNSTR] [--missing-customer drop|per-invoice] [--export-features OUT.csv] [--source NAME]</c>.
/// With <c>--postgres</c> the replay runs in a silo that joins the cluster on that database (or forms it).
/// </summary>
internal static class ReplayCommand
{
    public static async Task<int> RunAsync(CliArguments args, TextWriter output)
    {
        var file = args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException("replay needs exactly one FILE");
        var dataDir = args.Get("--data-dir") ?? "data";
        var postgres = args.Get("--postgres");
        if (postgres is not null && args.Get("--data-dir") is not null)
        {
            throw new UsageException("--data-dir (embedded) and --postgres are exclusive");
        }

        var rules = new CleaningRules { MissingCustomer = ParsePolicy(args.Get("--missing-customer")) };
        var export = args.Get("--export-features");
        var source = args.Get("--source") ?? Path.GetFileName(file);
        var quiet = args.Has("--quiet");
        args.RejectUnknown();
        if (!File.Exists(file))
        {
            throw new UsageException($"no such file: {file}");
        }

        var total = Stopwatch.StartNew();
        var summary = new IngestSummary();
        using var host = InsidersHost.Build(StorageSettings(dataDir, postgres));
        await host.StartAsync();
        var runner = new ReplayRunner(host);
        var outcome = await runner.ReplayFileAsync(file, source, rules, summary, !quiet);
        if (export is not null)
        {
            var rows = await runner.FeatureRowsAsync();
            await using var writer = new StreamWriter(export, false, new System.Text.UTF8Encoding(false));
            FeatureCsv.Write(writer, rows);
        }

        await host.StopAsync();
        PrintSummary(output, file, outcome, total.Elapsed);
        return 0;
    }

    /// <summary>Host settings for the embedded data directory or a PostgreSQL cluster; no retraining schedule of its own.</summary>
    public static Dictionary<string, string?> StorageSettings(string dataDir, string? postgres) => postgres is null
        ? new()
        {
            ["Insiders:DataDirectory"] = dataDir,
            ["Insiders:RetrainPeriod"] = "00:00:00",
        }
        : new()
        {
            ["Insiders:Storage"] = "Postgres",
            [$"ConnectionStrings:{HostingOptions.ConnectionStringName}"] = postgres,
            ["Insiders:RetrainPeriod"] = "00:00:00",
        };

    public static MissingCustomerPolicy ParsePolicy(string? value) => value switch
    {
        null or "drop" => MissingCustomerPolicy.Drop,
        "per-invoice" => MissingCustomerPolicy.PerInvoice,
        _ => throw new UsageException($"--missing-customer must be drop or per-invoice, got '{value}'"),
    };

    private static void PrintSummary(TextWriter o, string file, ReplayRunner.Outcome r, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        var s = r.Summary;
        o.WriteLine(string.Create(c, $"Replayed {file}: {s.Total:N0} lines read, {s.Accepted:N0} accepted, {s.Rejected:N0} rejected, {r.AlreadyKnown:N0} already known (re-delivered)."));
        foreach (var (reason, count) in s.RejectedByReason)
        {
            o.WriteLine(string.Create(c, $"  rejected {reason}: {count:N0}"));
        }

        foreach (var example in s.Examples.Take(5))
        {
            o.WriteLine($"  e.g. {example}");
        }

        var t = r.Timings;
        var throughputSpan = t.ReadToAcknowledged + t.Checkpoint;
        var reading = t.Streamed
            ? $"read+ingest {t.Ingest.TotalSeconds:F2}s (in event-time order already: streamed, {t.Parse.TotalSeconds:F2}s of parsing overlapped)"
            : $"parse+sort {t.Parse.TotalSeconds:F2}s, ingest {t.Ingest.TotalSeconds:F2}s";
        o.WriteLine(string.Create(c,
            $"Timings: {reading}, checkpoint {t.Checkpoint.TotalSeconds:F2}s, retrain {t.Retrain.TotalSeconds:F2}s, total {elapsed.TotalSeconds:F2}s; " +
            $"{s.Total / Math.Max(t.ReadToAcknowledged.TotalSeconds, 1e-9):N0} lines/s read→acknowledged (journaled and applied); " +
            $"{s.Total / Math.Max(throughputSpan.TotalSeconds, 1e-9):N0} lines/s read→persisted (grain state checkpointed)."));
        if (r.Retrain is { } m)
        {
            o.WriteLine(m.Skipped is null
                ? string.Create(c, $"Model v{m.Version} as of {m.AsOf:yyyy-MM-dd}: {m.Customers:N0} customers, K={m.K}, silhouette {m.Silhouette:F3}, {m.Insiders:N0} Insiders ({100.0 * m.Insiders / Math.Max(1, m.Customers):F1}%); {m.Sweep.Entered:N0} entered, {m.Sweep.Left:N0} left.")
                : $"No model: {m.Skipped}");
        }
    }
}
