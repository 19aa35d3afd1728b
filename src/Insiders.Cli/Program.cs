using Insiders.Cli;
using Insiders.Cli.Commands;

const string Usage = """
    insiders — live customer segmentation (RFM + k-means) on Orleans

    Usage:
      insiders replay FILE [--data-dir DIR | --postgres CONNSTR] [--missing-customer drop|per-invoice] [--export-features OUT.csv] [--source NAME] [--quiet]
      insiders backtest FILE --cut DATE [--until DATE] [--data-dir DIR] [--missing-customer drop|per-invoice]
      insiders generate OUT.csv [--customers N] [--days N] [--seed N]
      insiders db init --postgres CONNSTR

    FILE is the Online Retail format (CSV or .csv.gz). The data directory defaults to ./data.
    With --postgres the command joins (or forms) the Orleans cluster on that database; `db init` applies the
    deploy/postgres scripts (idempotent; silos also apply them at start unless Insiders:ApplySchema=false).
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var rest = CliArguments.Parse(args.Skip(1), new HashSet<string>(StringComparer.Ordinal) { "--quiet" });
    return args[0] switch
    {
        "replay" => await ReplayCommand.RunAsync(rest, Console.Out),
        "backtest" => await BacktestCommand.RunAsync(rest, Console.Out),
        "generate" => GenerateCommand.Run(rest, Console.Out),
        "db" => await DbCommand.RunAsync(rest, Console.Out),
        _ => throw new UsageException($"unknown command '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"insiders: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
catch (Exception e) when (e is InvalidDataException or Insiders.Storage.DataDirectoryInUseException)
{
    Console.Error.WriteLine($"insiders: {e.Message}");
    return 1;
}
