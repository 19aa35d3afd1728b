using System.Globalization;
using Insiders.Benchmarks;

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

if (args.Length >= 2 && args[0] == "batch")
{
    return BatchBaseline.RunAll(args[1], int.Parse(Arg("--runs", "3"), CultureInfo.InvariantCulture), Console.Out);
}

if (args.Length == 0 || args[0] != "lookups")
{
    Console.Error.WriteLine("""
        usage: insiders-bench lookups [--url http://127.0.0.1:5080] [--rate 2000] [--duration 30] [--warmup 5] [--connections 64] [--ids N]
          Open-loop status lookups (GET /api/customers/{id}) at a fixed schedule; latency is measured from each request's
          scheduled start, so a slow response delays nothing and queueing shows up in the percentiles.
               insiders-bench batch FILE [--runs 3]
          The floor for a replay: the same reader and cleaning, features folded in one in-process pass (no grains, no storage).
        """);
    return 2;
}

var options = new LookupBenchmarkOptions(
    new Uri(Arg("--url", "http://127.0.0.1:5080")),
    int.Parse(Arg("--rate", "2000"), CultureInfo.InvariantCulture),
    TimeSpan.FromSeconds(double.Parse(Arg("--duration", "30"), CultureInfo.InvariantCulture)),
    TimeSpan.FromSeconds(double.Parse(Arg("--warmup", "5"), CultureInfo.InvariantCulture)),
    int.Parse(Arg("--connections", "64"), CultureInfo.InvariantCulture),
    int.Parse(Arg("--ids", "5000"), CultureInfo.InvariantCulture));
var report = await LookupBenchmark.RunAsync(options, Console.Error);
Console.WriteLine(report.ToMarkdown());
return report.Errors == 0 ? 0 : 1;
