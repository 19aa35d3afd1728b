using Insiders.Customers;
using Insiders.Segmentation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Insiders;

/// <summary>Builds the single-silo host used by the CLI, the service and the tests.</summary>
public static class InsidersHost
{
    /// <summary>
    /// A generic host running one silo (localhost clustering) with Insiders on the storage chosen by configuration.
    /// <paramref name="settings"/> override configuration keys (e.g. <c>Insiders:DataDirectory</c>).
    /// </summary>
    public static IHost Build(IReadOnlyDictionary<string, string?>? settings = null, LogLevel minimumLevel = LogLevel.Warning, string[]? args = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = false });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // One embedded silo: loopback only, on the configured ports or free ones (so a CLI run never collides with a service).
        var siloPort = builder.Configuration.GetValue<int?>("Insiders:SiloPort") ?? FreePort();
        var gatewayPort = builder.Configuration.GetValue<int?>("Insiders:GatewayPort") ?? FreePort();
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort).AddInsiders(builder.Configuration));
        return builder.Build();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The latest report of every customer, from all shards.</summary>
    public static async Task<CustomerReport[]> AllReportsAsync(this IGrainFactory grains, int shards)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var all = await Task.WhenAll(Enumerable.Range(0, shards).Select(i => grains.GetGrain<IFeatureShardGrain>(i).Reports()));
        return all.SelectMany(r => r.Value).ToArray();
    }
}
