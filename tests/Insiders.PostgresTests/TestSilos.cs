using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Insiders.PostgresTests;

/// <summary>
/// Real silos (TCP on free loopback ports) and clients wired to PostgreSQL through the Orleans ADO.NET providers:
/// clustering, grain storage <see cref="TestNames.Storage"/> and reminders, all on one database.
/// </summary>
public static class TestSilos
{
    public const string Invariant = "Npgsql";

    /// <summary>Starts <paramref name="count"/> silos of one cluster, one after the other.</summary>
    public static async Task<IHost[]> StartSilosAsync(int count, string connectionString, string clusterId, string serviceId, CancellationToken ct = default)
    {
        var silos = new List<IHost>();
        for (var i = 0; i < count; i++)
        {
            silos.Add(await StartSiloAsync(connectionString, clusterId, serviceId, ct));
        }

        return [.. silos];
    }

    public static async Task<IHost> StartSiloAsync(string connectionString, string clusterId, string serviceId, CancellationToken ct = default)
    {
        var builder = NewHostBuilder(clusterId, serviceId);
        builder.UseOrleans(silo =>
        {
            silo.ConfigureEndpoints(IPAddress.Loopback, FreePorts.Next(), FreePorts.Next());
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(TestNames.Storage, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            // Seconds, not minutes, so that the reminder tests finish quickly (Orleans logs a warning, nothing more).
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromMilliseconds(500));
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        var host = builder.Build();
        await host.StartAsync(ct);
        return host;
    }

    public static async Task<IHost> StartClientAsync(string connectionString, string clusterId, string serviceId, CancellationToken ct = default)
    {
        var builder = NewHostBuilder(clusterId, serviceId);
        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
        });
        var host = builder.Build();
        await host.StartAsync(ct);
        return host;
    }

    private static HostApplicationBuilder NewHostBuilder(string clusterId, string serviceId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        builder.Services.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = clusterId;
            o.ServiceId = serviceId;
        });
        return builder;
    }

    public static IGrainFactory Grains(this IHost host) => host.Services.GetRequiredService<IGrainFactory>();

    public static string SiloAddress(this IHost silo) => silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();

    /// <summary>Stops and disposes the hosts, in parallel.</summary>
    public static async Task StopAllAsync(params IHost[] hosts)
    {
        await Task.WhenAll(hosts.Select(async h =>
        {
            await h.StopAsync();
            h.Dispose();
        }));
    }

}
