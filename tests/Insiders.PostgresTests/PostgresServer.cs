using System.Diagnostics;
using Npgsql;

[assembly: AssemblyFixture(typeof(Insiders.PostgresTests.PostgresServer))]

namespace Insiders.PostgresTests;

/// <summary>
/// A private PostgreSQL server for the whole test assembly, started from the installed server binaries in a fresh
/// directory under /tmp, listening on a free loopback port with trust authentication for the superuser "postgres".
/// When the tests run as root (initdb refuses root), the server runs as the "postgres" OS user through runuser.
/// Missing binaries fail every test with an explanation: CI installs PostgreSQL, nothing is skipped.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string Superuser = "postgres";

    /// <summary>
    /// Not UTC on purpose: a timestamp written or read without its time zone would be shifted by 5:45 and show up
    /// in the tests instead of in production.
    /// </summary>
    public const string ServerTimeZone = "Asia/Kathmandu";

    private readonly bool _asPostgresUser = Environment.UserName == "root";
    private string _binDirectory = "";
    private string _root = "";

    public int Port { get; private set; }

    /// <summary>Connection string of the server's "postgres" database as superuser.</summary>
    public string ConnectionString { get; private set; } = "";

    private string DataDirectory => Path.Combine(_root, "data");

    private string LogFile => Path.Combine(_root, "server.log");

    public async ValueTask InitializeAsync()
    {
        _binDirectory = FindBinDirectory();
        // Under /tmp (not $TMPDIR): the "postgres" user must reach it, and the socket path must stay short.
        _root = Path.Combine("/tmp", $"insiders-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["-R", $"{Superuser}:", _root], asPostgresUser: false);
        }

        await RunAsync(Path.Combine(_binDirectory, "initdb"),
            ["-D", DataDirectory, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);

        // A free port can be taken by someone else before the server binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePorts.Next();
            await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.auto.conf"), $"""
                port = {Port}
                listen_addresses = '127.0.0.1'
                unix_socket_directories = '{_root}'
                timezone = '{ServerTimeZone}'
                max_connections = 500

                """);
            try
            {
                await StartAsync();
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }

        ConnectionString = ConnectionStringFor(Superuser);
        await WaitUntilAcceptingAsync();
    }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException("Database names here are lower-case letters, digits and underscores.", nameof(name));
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    /// <summary>
    /// Stops the server: open sessions are cut, new connections refused until <see cref="StartAgainAsync"/>. A fast
    /// shutdown writes everything committed to disk first; a <paramref name="crash"/> (immediate shutdown) does not, as
    /// a server that dies: the next start recovers from the WAL, and an asynchronous commit not yet flushed is lost.
    /// </summary>
    public Task StopAsync(bool crash = false) =>
        RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", crash ? "immediate" : "fast", "-w", "stop"]);

    /// <summary>Starts the stopped server again on the same port and data.</summary>
    public async Task StartAgainAsync()
    {
        await StartAsync();
        NpgsqlConnection.ClearAllPools();
        await WaitUntilAcceptingAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_root.Length == 0)
        {
            return;
        }

        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
            }
            catch (InvalidOperationException)
            {
                // Already gone; the directory still goes.
            }
        }

        Directory.Delete(_root, recursive: true);
    }

    private string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Database = database,
        MaxPoolSize = 50,
        Timeout = 15,
    }.ConnectionString;

    private Task StartAsync() =>
        RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "start"]);

    private async Task WaitUntilAcceptingAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>INSIDERS_PG_BIN, then Debian's /usr/lib/postgresql/15/bin, then <c>pg_config --bindir</c>.</summary>
    private static string FindBinDirectory()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("INSIDERS_PG_BIN") is { Length: > 0 } fromEnvironment)
        {
            candidates.Add(fromEnvironment);
        }

        candidates.Add("/usr/lib/postgresql/15/bin");
        try
        {
            using var pgConfig = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (pgConfig is not null)
            {
                candidates.Add(pgConfig.StandardOutput.ReadToEnd().Trim());
                pgConfig.WaitForExit();
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No pg_config on PATH.
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            ?? throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl) not found; looked in: " + string.Join(", ", candidates) +
                ". Install the server (Debian: apt-get install postgresql) or set INSIDERS_PG_BIN to its bin directory.");
    }


    private Task RunAsync(string program, IReadOnlyList<string> arguments) => RunAsync(program, arguments, _asPostgresUser);

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asPostgresUser)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        if (asPostgresUser)
        {
            start.FileName = "runuser";
            foreach (var a in (string[])["-u", Superuser, "--", program])
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = program;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }
}
