namespace Insiders.Tests;

/// <summary>Locates the shared six-month Online Retail file (../shared/data beside the repository). Never copied into the repo.</summary>
internal static class TestData
{
    public const string SixMonthsFileName = "online-retail-2010-12_2011-05.csv.gz";

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Insiders.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Insiders.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string SixMonths
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("INSIDERS_SHARED_DATA") is { Length: > 0 } dir
                ? Path.Combine(dir, SixMonthsFileName)
                : Path.Combine(RepoRoot, "..", "shared", "data", SixMonthsFileName);
            return File.Exists(path)
                ? Path.GetFullPath(path)
                : throw new FileNotFoundException($"The shared data file is required by this test: {path} (set INSIDERS_SHARED_DATA to its folder).");
        }
    }

    public static string NewTempDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"insiders-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Every text line of a (gzip or plain) file, header included.</summary>
    public static string[] ReadAllLines(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress)
            : file;
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return [.. lines];
    }
}
