using System.Diagnostics.Metrics;
using Insiders.Clustering;
using Insiders.Infrastructure;
using Insiders.Ingestion;
using Insiders.Segmentation;
using Insiders.Storage;
using Insiders.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Insiders.Tests;

/// <summary>One in-process two-silo cluster (memory storage) shared by the grain tests of a collection.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private const string MemoryStorage = "memory";

    /// <summary>Shared by both silos so tests can read every recorded transition.</summary>
    public static InMemoryTransitionStore Transitions { get; } = new();

    private readonly InMemoryTransitionStore _transitions;

    public ClusterFixture()
        : this(Transitions)
    {
    }

    /// <summary>A cluster recording into a store of its own (a test class that runs beside the shared cluster's).</summary>
    internal ClusterFixture(InMemoryTransitionStore transitions) => _transitions = transitions;

    /// <summary>The store this cluster's silos record transitions into.</summary>
    public InMemoryTransitionStore TransitionStore => _transitions;

    // Meters of the pipelines created in the test process.
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(MemoryStorage);
            foreach (var name in (string[])[InsidersNames.Storage, InsidersNames.CustomerStorage])
            {
                silo.Services.AddKeyedSingleton<IGrainStorage>(name, (sp, _) => new FaultSwitches.Storage(sp.GetRequiredKeyedService<IGrainStorage>(MemoryStorage)));
            }

            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();
            silo.Services.AddSingleton<IInsiderTransitionStore>(new FaultSwitches.Transitions(_transitions));
            silo.Services.AddInsidersGrainServices();
            silo.Services.AddOptions<InsidersOptions>().Configure(o =>
            {
                o.Shards = 4;
                o.RetrainPeriod = TimeSpan.Zero;
                o.ModelRefreshInterval = TimeSpan.FromMilliseconds(200);
            });
            silo.Services.AddOptions<SegmentationOptions>().Configure(o =>
            {
                o.MinClusters = 6;
                o.MaxClusters = 12;
                o.ClusterStep = 3;
                o.Restarts = 2;
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>A pipeline in the test process, talking to the cluster through its client (journal in memory).</summary>
    public async Task<IngestionPipeline> NewPipelineAsync()
    {
        var options = Options.Create(new InsidersOptions { Shards = 4 });
        var models = new ModelCache(Grains, options, TimeProvider.System);
        var metrics = new InsidersMetrics(_meters.GetRequiredService<IMeterFactory>(), models);
        var pipeline = new IngestionPipeline(Grains, new InMemoryTransactionJournal(), models, options, new IngestionWriter("test", _ => Task.FromResult<IReadOnlySet<string>>(new HashSet<string> { "test" })), metrics, NullLogger<IngestionPipeline>.Instance);
        await pipeline.RecoverAsync();
        return pipeline;
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await _meters.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
