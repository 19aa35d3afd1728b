using System.Globalization;
using Insiders.Synthetic;

namespace Insiders.Cli.Commands;

/// <summary><c>insiders generate OUT.csv [--customers N] [--days N] [--seed N]</c>: a realistic synthetic file (gzip when OUT ends in .gz).</summary>
internal static class GenerateCommand
{
    public static int Run(CliArguments args, TextWriter output)
    {
        var path = args.Positional.Count == 1 ? args.Positional[0] : throw new UsageException("generate needs exactly one OUT file");
        var options = new SyntheticRetailOptions
        {
            Customers = args.GetInt("--customers", 5_000, 1),
            Days = args.GetInt("--days", 365, 1),
            Seed = args.GetInt("--seed", 42, 0),
        };
        args.RejectUnknown();
        Stream stream = File.Create(path);
        if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            stream = new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionLevel.Fastest);
        }

        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16);
        new SyntheticRetailGenerator(options).WriteCsv(writer);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {path}: {options.Customers:N0} customers over {options.Days} days (seed {options.Seed})."));
        return 0;
    }
}
