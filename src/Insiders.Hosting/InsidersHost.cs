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
    /// A generic host running a silo with Insiders on the storage chosen by configuration (one embedded silo on loopback by
    /// default; a member of the PostgreSQL cluster with <c>Insiders:Storage=Postgres</c>).
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
        builder.UseOrleans(silo => silo.AddInsiders(builder.Configuration));
        return builder.Build();
    }

    /// <summary>The latest report of every customer, from all shards.</summary>
    public static async Task<CustomerReport[]> AllReportsAsync(this IGrainFactory grains, int shards)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var all = await Task.WhenAll(Enumerable.Range(0, shards).Select(i => grains.GetGrain<IFeatureShardGrain>(i).Reports()));
        return all.SelectMany(r => r.Value).ToArray();
    }
}
