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
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private SiloProcess(Process process, int siloPort, int httpPort)
    {
        _process = process;
        SiloPort = siloPort;
        HttpPort = httpPort;
    }

    public int SiloPort { get; }

    /// <summary>Loopback port of the HTTP API.</summary>
    public int HttpPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");

    public bool HasExited => _process.HasExited;

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
        var httpPort = FreePorts.Next();
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
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            // One line per log entry, so a test can wait for a message (see WaitForLineAsync).
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
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
        var silo = new SiloProcess(process, siloPort, httpPort);
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

    /// <summary>
    /// The first line printed from now on that matches (lines already printed do not count); fails after
    /// <paramref name="timeout"/> with the process's last lines.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_tail)
        {
            _waiters.Add((match, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching line from silo process {Id} within {timeout.TotalSeconds} s; last lines:\n{Tail}");
        }
        finally
        {
            lock (_tail)
            {
                _waiters.RemoveAll(w => w.Seen == seen);
            }
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

            foreach (var (match, seen) in _waiters)
            {
                if (match(line))
                {
                    seen.TrySetResult(line);
                }
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
