using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Insiders.Tests;

/// <summary>
/// The real service host (<c>Program</c> of Insiders.Silo: silo + API + page) on embedded SQLite in a temporary data
/// directory, with the synthetic demo feed off, on-demand retraining only and free silo ports. The API keys below are
/// test values that exist only in this test project.
/// </summary>
public sealed class InsidersHostFactory : WebApplicationFactory<Program>
{
    /// <summary>Test-only keys (never used outside the tests).</summary>
    public const string IngestKey = "test-only-ingest-key-0001";
    public const string AdminKey = "test-only-admin-key-00002";
    public const string ReadKey = "test-only-read-key-000003";

    private readonly Dictionary<string, string?> _settings;

    private readonly string _root;

    private readonly Action<IServiceCollection>? _services;

    /// <summary>
    /// A host on a fresh temporary directory (named with <paramref name="prefix"/>), removed on dispose;
    /// <paramref name="services"/> adds test services (e.g. in-memory telemetry exporters) after the host's own.
    /// </summary>
    public InsidersHostFactory(string prefix, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        _root = TestData.NewTempDirectory(prefix);
        var dataDirectory = Path.Combine(_root, "data");
        DataDirectory = dataDirectory;
        _settings = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Insiders:DataDirectory"] = dataDirectory,
            ["Insiders:Demo:Enabled"] = "false",
            ["Insiders:RetrainPeriod"] = "00:00:00",
            ["Insiders:CheckpointInterval"] = "00:00:01",
            ["Insiders:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Insiders:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Insiders:Api:Keys:ingester:Key"] = IngestKey,
            ["Insiders:Api:Keys:ingester:Roles:0"] = "ingest",
            ["Insiders:Api:Keys:operator:Key"] = AdminKey,
            ["Insiders:Api:Keys:operator:Roles:0"] = "admin",
            ["Insiders:Api:Keys:reader:Key"] = ReadKey,
            ["Insiders:Api:Keys:reader:Roles:0"] = "read",
            ["Insiders:Api:MaxTransactionBodyBytes"] = (32 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[k] = v;
        }
    }

    public string DataDirectory { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
