using System.Diagnostics;
using Insiders.Tests;

namespace Insiders.PostgresTests;

/// <summary>
/// The real service host (src/Insiders.Silo) as a separate process on PostgreSQL, so a test can kill it with SIGKILL
/// exactly as an operator's `kill -9` would.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private SiloProcess(Process process, int siloPort)
    {
        _process = process;
        SiloPort = siloPort;
    }

    public int SiloPort { get; }

    public int Id => _process.Id;

    /// <summary>The last lines the process printed (for failure messages).</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join('\n', _tail);
            }
        }
    }

    public static SiloProcess Start(string connectionString, string clusterId, string serviceId, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = SiloDll();
        var siloPort = FreePorts.Next();
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        var env = new Dictionary<string, string>(ClusterSettings.ForProcess(connectionString, clusterId, serviceId))
        {
            ["Insiders__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Insiders__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Insiders__Demo__Enabled"] = "false",
            ["Urls"] = "http://127.0.0.1:0",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>())
        {
            env[k] = v;
        }

        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + dll);
        var silo = new SiloProcess(process, siloPort);
        process.OutputDataReceived += (_, e) => silo.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>SIGKILL: no shutdown, no flush — whatever was only in memory is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 40)
            {
                _tail.Dequeue();
            }
        }
    }

    private static string SiloDll()
    {
        // Same configuration as this test assembly (bin/Release/... or bin/Debug/...).
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(TestData.RepoRoot, "src", "Insiders.Silo", "bin", configuration, "net10.0", "Insiders.Silo.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the solution first: the silo host is started as a process.", dll);
    }
}

/// <summary>Settings that put a host on a test database's cluster, with failure detection fast enough for tests.</summary>
internal static class ClusterSettings
{
    public static Dictionary<string, string?> ForHost(string connectionString, string clusterId, string serviceId) =>
        ForProcess(connectionString, clusterId, serviceId).ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value);

    public static Dictionary<string, string> ForProcess(string connectionString, string clusterId, string serviceId) => new()
    {
        ["Insiders__Storage"] = "Postgres",
        ["ConnectionStrings__Insiders"] = connectionString,
        ["Insiders__ClusterId"] = clusterId,
        ["Insiders__ServiceId"] = serviceId,
        ["Insiders__RetrainPeriod"] = "00:00:00",
        ["Insiders__Membership__ProbeTimeout"] = "00:00:01",
        ["Insiders__Membership__NumMissedProbesLimit"] = "2",
        ["Insiders__Membership__NumVotesForDeathDeclaration"] = "1",
        ["Insiders__Membership__TableRefreshTimeout"] = "00:00:02",
    };
}
