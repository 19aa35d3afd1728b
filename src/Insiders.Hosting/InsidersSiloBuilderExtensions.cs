using System.Net;
using Insiders.Clustering;
using Insiders.Infrastructure;
using Insiders.Ingestion;
using Insiders.Segmentation;
using Insiders.Storage;
using Insiders.Storage.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Storage;

namespace Insiders;

/// <summary>Wires Insiders into a silo: membership, storage, reminders, the model cache, the ingestion pipeline.</summary>
public static class InsidersSiloBuilderExtensions
{
    private const string NpgsqlInvariant = "Npgsql";

    private static void RaiseMinThreads(int workers)
    {
        ThreadPool.GetMinThreads(out var currentWorkers, out var io);
        if (workers > currentWorkers)
        {
            ThreadPool.SetMinThreads(workers, io);
        }
    }

    /// <summary>
    /// Adds Insiders to the silo with storage chosen by <c>Insiders:Storage</c>: the embedded SQLite default (one silo
    /// on loopback) or PostgreSQL (<c>ConnectionStrings:Insiders</c>; membership, grain state and reminders through the
    /// Orleans ADO.NET providers, so every silo on the same database joins one cluster).
    /// </summary>
    public static ISiloBuilder AddInsiders(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var hosting = configuration.GetSection(InsidersOptions.Section).Get<HostingOptions>() ?? new HostingOptions();
        silo.AddInsidersCore(configuration);
        var siloPort = hosting.SiloPort ?? FreePort();
        var gatewayPort = hosting.GatewayPort ?? FreePort();
        switch (hosting.Storage)
        {
            case StorageMode.Sqlite:
                if (hosting.Kubernetes == true)
                {
                    throw new InvalidOperationException(
                        "Insiders:Kubernetes=true needs Insiders:Storage=Postgres: the embedded SQLite store is one silo on loopback.");
                }

                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: hosting.ServiceId, clusterId: hosting.ClusterId);
                silo.UseInMemoryReminderService(); // one silo: the coordinator registers its schedule again at every start
                RaiseMinThreads(hosting.MinThreadPoolThreads); // SQLite's calls block their threads (PostgreSQL's are asynchronous)
                silo.AddInsidersSqlite(SqliteDatabase.Open(hosting.DataDirectory));
                break;
            case StorageMode.Postgres:
                var connectionString = configuration.GetConnectionString(HostingOptions.ConnectionStringName);
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        $"Insiders:Storage=Postgres needs ConnectionStrings:{HostingOptions.ConnectionStringName} " +
                        $"(environment variable ConnectionStrings__{HostingOptions.ConnectionStringName}).");
                }

                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = hosting.ClusterId;
                    o.ServiceId = hosting.ServiceId;
                });
                if (KubernetesDetection.IsEnabled(hosting.Kubernetes))
                {
                    // The package names the silo after the pod, advertises POD_IP (unless an address is configured),
                    // listens on every interface and declares the silos of deleted pods dead. Membership stays in PostgreSQL.
                    silo.Configure<EndpointOptions>(o =>
                    {
                        o.SiloPort = siloPort;
                        o.GatewayPort = gatewayPort;
                        if (hosting.AdvertisedAddress is not null)
                        {
                            o.AdvertisedIPAddress = AdvertisedAddress.Resolve(hosting.AdvertisedAddress);
                        }
                    });
                    silo.UseKubernetesHosting();
                }
                else
                {
                    var advertised = AdvertisedAddress.Resolve(hosting.AdvertisedAddress);
                    silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
                }

                silo.AddInsidersPostgres(connectionString, hosting.ApplySchema);
                break;
            default:
                throw new NotSupportedException($"Insiders:Storage={hosting.Storage} is not supported; use Sqlite (the default) or Postgres.");
        }

        return silo;
    }

    /// <summary>Options, grains' services and the ingestion pipeline; membership and storage are added separately.</summary>
    public static ISiloBuilder AddInsidersCore(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<InsidersOptions>().Bind(configuration.GetSection(InsidersOptions.Section)).Validate(o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();
        services.AddOptions<SegmentationOptions>().Bind(configuration.GetSection(SegmentationOptions.Section)).Validate(o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();
        services.AddOptions<HostingOptions>().Bind(configuration.GetSection(InsidersOptions.Section));
        // Failure detection is Orleans' own (Insiders:Membership binds ClusterMembershipOptions: probe timeouts, votes).
        services.Configure<ClusterMembershipOptions>(configuration.GetSection(InsidersOptions.Section + ":Membership"));
        // The retraining schedule is a reminder; allow periods below Orleans' one-minute default (demos, tests).
        services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        services.TryAddSingleton(IngestionWriter.ForSilo);
        services.TryAddSingleton<IngestionPipeline>();
        services.AddHostedService<IngestionStartup>();
        // Grain state in Orleans' binary format: compact and fast; BI reads the application tables, not this payload.
        services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
        return silo;
    }

    /// <summary>The embedded default: grain state through the Orleans ADO.NET provider on SQLite, journal and transitions in the same file.</summary>
    public static ISiloBuilder AddInsidersSqlite(this ISiloBuilder silo, SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        foreach (var name in (string[])[InsidersNames.Storage, InsidersNames.CustomerStorage])
        {
            silo.AddAdoNetGrainStorage(name, (AdoNetGrainStorageOptions o) =>
            {
                o.Invariant = "System.Data.SQLite"; // Orleans maps this invariant to Microsoft.Data.Sqlite
                o.DataSource = database.GrainStorageDataSource; // writes committed in groups (SqliteStateWriter)
            });
        }

        silo.Services.AddSingleton(_ => database); // created by a factory: the host disposes it (and so unlocks the directory)
        silo.Services.AddSingleton<ITransactionJournal, SqliteTransactionJournal>();
        silo.Services.AddSingleton<IInsiderTransitionStore, SqliteTransitionStore>();
        silo.Services.AddSingleton<IIdempotencyKeys, SqliteIdempotencyKeys>();
        silo.Services.AddInsidersGrainServices();
        return silo;
    }

    /// <summary>
    /// PostgreSQL: membership, grain state and reminders through the Orleans ADO.NET providers (our deploy/postgres
    /// scripts), the journal, transitions and BI tables in the same database.
    /// </summary>
    public static ISiloBuilder AddInsidersPostgres(this ISiloBuilder silo, string connectionString, bool applySchema = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        connectionString = PostgresConnectionString.Tune(connectionString);
        var dataSource = NpgsqlDataSource.Create(connectionString);
        if (applySchema)
        {
            // Before the silo starts: membership needs its tables. Idempotent and advisory-locked across silos.
            PostgresSchema.ApplyAsync(dataSource, CancellationToken.None).GetAwaiter().GetResult();
        }

        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(InsidersNames.Storage, (AdoNetGrainStorageOptions o) =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        // Same table; customer state commits asynchronously over multiplexed connections (PostgresConnectionString.
        // ForCustomerState says why no acknowledged line, entry or exit depends on it).
        silo.AddAdoNetGrainStorage(InsidersNames.CustomerStorage, (AdoNetGrainStorageOptions o) =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = PostgresConnectionString.ForCustomerState(connectionString);
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = NpgsqlInvariant;
            o.ConnectionString = connectionString;
        });
        silo.Services.AddSingleton(dataSource);
        silo.Services.AddSingleton<ITransactionJournal, PostgresTransactionJournal>();
        silo.Services.AddSingleton<IInsiderTransitionStore, PostgresTransitionStore>();
        silo.Services.AddSingleton<IIdempotencyKeys, PostgresIdempotencyKeys>();
        silo.Services.AddSingleton<IReadModelStore, PostgresReadModelStore>();
        silo.Services.AddSingleton<TransactionProjector>();
        silo.Services.AddHostedService(sp => sp.GetRequiredService<TransactionProjector>());
        silo.Services.AddInsidersGrainServices();
        return silo;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
