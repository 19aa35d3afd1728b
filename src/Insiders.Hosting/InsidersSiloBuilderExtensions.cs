using Insiders.Clustering;
using Insiders.Infrastructure;
using Insiders.Ingestion;
using Insiders.Segmentation;
using Insiders.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Storage;

namespace Insiders;

/// <summary>Wires Insiders into a silo: options, storage, the model cache, the ingestion pipeline.</summary>
public static class InsidersSiloBuilderExtensions
{
    /// <summary>Adds Insiders to the silo, with storage chosen by <c>Insiders:Storage</c> (embedded SQLite by default).</summary>
    public static ISiloBuilder AddInsiders(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        var hosting = configuration.GetSection(InsidersOptions.Section).Get<HostingOptions>() ?? new HostingOptions();
        silo.AddInsidersCore(configuration);
        switch (hosting.Storage)
        {
            case StorageMode.Sqlite:
                silo.AddInsidersSqlite(SqliteDatabase.Open(hosting.DataDirectory));
                break;
            default:
                throw new NotSupportedException(
                    $"Insiders:Storage={hosting.Storage} is not available in this build; use Sqlite (the embedded default).");
        }

        return silo;
    }

    /// <summary>Options, grains' services and the ingestion pipeline; storage is added separately.</summary>
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
        silo.AddAdoNetGrainStorage(InsidersNames.Storage, (AdoNetGrainStorageOptions o) =>
        {
            o.Invariant = "System.Data.SQLite"; // Orleans maps this invariant to Microsoft.Data.Sqlite
            o.DataSource = database.DataSource;
        });
        silo.Services.AddSingleton(database);
        silo.Services.AddSingleton<ITransactionJournal, SqliteTransactionJournal>();
        silo.Services.AddSingleton<IInsiderTransitionStore, SqliteTransitionStore>();
        silo.Services.AddInsidersGrainServices();
        return silo;
    }
}
