using System.Diagnostics;
using Insiders.Cli;
using Insiders.Storage;

namespace Insiders.Tests;

/// <summary>The embedded store is one silo: a second process on the same data directory is refused at once.</summary>
public sealed class DataDirectoryLockTests : IDisposable
{
    private readonly string _dir = TestData.NewTempDirectory("lock");

    private string DataDir => Path.Combine(_dir, "data");

    private Dictionary<string, string?> Settings => new() { ["Insiders:DataDirectory"] = DataDir, ["Insiders:RetrainPeriod"] = "00:00:00" };

    [Fact]
    public async Task ReplayCli_WhileServiceHoldsDataDirectory_RefusedWithClearError_ThenRunsOnceItStops()
    {
        var file = Path.Combine(_dir, "two-lines.csv");
        await File.WriteAllTextAsync(file, """
            InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
            536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom
            536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,17850,United Kingdom

            """, TestContext.Current.CancellationToken);
        using (var service = InsidersHost.Build(Settings))
        {
            await service.StartAsync(TestContext.Current.CancellationToken);

            var (code, stderr) = await RunCliAsync("replay", file, "--data-dir", DataDir, "--quiet");
            Assert.Equal(1, code);
            Assert.Contains($"The data directory {Path.GetFullPath(DataDir)} is in use by another Insiders process (pid {Environment.ProcessId})", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal); // a message, not a crash

            await service.StopAsync(TestContext.Current.CancellationToken);
        }

        // Disposing the service's host released the directory: the same command now runs on it.
        var (again, errors) = await RunCliAsync("replay", file, "--data-dir", DataDir, "--quiet");
        Assert.True(again == 0, errors);
    }

    [Fact]
    public void Open_LockHeldByAnotherProcess_RefusedUntilThatProcessEnds()
    {
        Directory.CreateDirectory(DataDir);
        // flock(1) without forking: the process that holds the lock is the one we kill.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--no-fork", Path.Combine(DataDir, SqliteDatabase.LockFileName), "sleep", "60"]) { UseShellExecute = false })!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            DataDirectoryInUseException? refused = null;
            while (refused is null && DateTime.UtcNow < deadline)
            {
                try
                {
                    SqliteDatabase.Open(DataDir).Dispose(); // flock(1) may not hold the lock yet
                    Thread.Sleep(100);
                }
                catch (DataDirectoryInUseException e)
                {
                    refused = e;
                }
            }

            Assert.NotNull(refused);
            Assert.Contains("in use by another Insiders process", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }

        SqliteDatabase.Open(DataDir).Dispose(); // the holder is gone (a killed process releases its lock)
    }

    // The CLI as users run it: its own process.
    private static async Task<(int Code, string Stderr)> RunCliAsync(params string[] args)
    {
        var dll = Path.Combine(Path.GetDirectoryName(typeof(CliArguments).Assembly.Location)!, "insiders.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stderr);
    }

    public void Dispose() => TempDataDirectory.Delete(_dir);
}
