using System.Globalization;
using Insiders.Benchmarks;

const string Usage = """
    usage: insiders-bench lookups [--url http://127.0.0.1:5080] [--rate 2000] [--duration 30] [--warmup 5] [--connections 64] [--ids N]
             Open-loop status lookups (GET /api/customers/{id}) at a fixed schedule; latency is measured from each request's
             scheduled start, so a slow response delays nothing and queueing shows up in the percentiles.
           insiders-bench batch FILE [--runs 3]
             The floor for a replay: the same reader and cleaning, features folded in one in-process pass (no grains, no storage).
           insiders-bench retrain --customers N [--runs 3] [--data-dir DIR] [--seed 1] [--batch 20000] [--export-points OUT.csv]
             Synthetic customers ingested through the pipeline into an embedded silo in this process, then 1 + RUNS retrains
             (phase times, peak memory) beside the same fit by a plain batch pass (SegmentTrainer on in-memory histories).
           insiders-bench event-to-flag [--customers 20000] [--rates 2000,10000] [--duration 30] [--warmup 5] [--runs 3]
                                        [--batch-interval-ms 10] [--data-dir DIR] [--seed 1] [--gc-log FILE] [--alloc-log FILE]
             Open-loop ingestion at steady rates into an embedded silo; latency per line from its batch's scheduled
             submission to the acknowledgement (journaled, applied and reclassified by its customer grain).
             --gc-log: one line per collection; --alloc-log: bytes allocated during the measured runs, by type (sampled).
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

int Int(string name, int fallback) => int.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

double Seconds(string name, double fallback) => double.Parse(Arg(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

// --set Key=Value (repeatable): configuration of the embedded silo, e.g. --set Insiders:CheckpointInterval=00:00:10.
Dictionary<string, string?> Settings()
{
    var settings = new Dictionary<string, string?>();
    for (var i = 0; i + 1 < args.Length; i++)
    {
        if (args[i] == "--set")
        {
            var kv = args[i + 1].Split('=', 2);
            settings[kv[0]] = kv.Length == 2 ? kv[1] : throw new ArgumentException($"--set needs Key=Value, got '{args[i + 1]}'.");
        }
    }

    return settings;
}

string TempDir(string name) => Path.Combine(Path.GetTempPath(), $"insiders-bench-{name}-{Environment.ProcessId}");

switch (args[0])
{
    case "batch" when args.Length >= 2:
        return BatchBaseline.RunAll(args[1], Int("--runs", 3), Console.Out);

    case "lookups":
    {
        var options = new LookupBenchmarkOptions(
            new Uri(Arg("--url", "http://127.0.0.1:5080")),
            Int("--rate", 2000),
            TimeSpan.FromSeconds(Seconds("--duration", 30)),
            TimeSpan.FromSeconds(Seconds("--warmup", 5)),
            Int("--connections", 64),
            Int("--ids", 5000));
        var report = await LookupBenchmark.RunAsync(options, Console.Error);
        Console.WriteLine(report.ToMarkdown());
        return report.Errors == 0 ? 0 : 1;
    }

    case "retrain":
    {
        var dir = Arg("--data-dir", TempDir("retrain"));
        var options = new RetrainBenchmarkOptions(Int("--customers", 100_000), Int("--runs", 3), dir, Int("--seed", 1), Arg("--export-points", "") is { Length: > 0 } p ? p : null, Int("--batch", 20_000), Settings());
        try
        {
            var report = await RetrainBenchmark.RunAsync(options, Console.Error);
            Console.WriteLine(report.ToMarkdown());
        }
        finally
        {
            if (!args.Contains("--data-dir"))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return 0;
    }

    case "event-to-flag":
    {
        var dir = Arg("--data-dir", TempDir("e2f"));
        using var gcLog = args.Contains("--gc-log") ? new GcEventLog(Arg("--gc-log", "gc.tsv")) : null;
        using var allocLog = args.Contains("--alloc-log") ? new AllocationLog(Arg("--alloc-log", "alloc.tsv")) : null;
        EventToFlagBenchmark.MeasurementStarting = allocLog is null ? null : allocLog.Reset;
        var rates = Arg("--rates", "2000,10000").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
        var options = new EventToFlagOptions(Int("--customers", 20_000), rates, TimeSpan.FromSeconds(Seconds("--duration", 30)), TimeSpan.FromSeconds(Seconds("--warmup", 5)),
            Int("--runs", 3), TimeSpan.FromMilliseconds(Seconds("--batch-interval-ms", 10)), dir, Int("--seed", 1), Settings());
        try
        {
            Console.WriteLine(await EventToFlagBenchmark.RunAsync(options, Console.Error));
        }
        finally
        {
            if (!args.Contains("--data-dir"))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        return 0;
    }

    default:
        Console.Error.WriteLine(Usage);
        return 2;
}
