using Insiders.Clustering;
using Insiders.Infrastructure;
using Insiders.Segmentation;
using Insiders.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Insiders;

/// <summary>The per-silo services the grains depend on.</summary>
public static class InsidersGrainServices
{
    public static IServiceCollection AddInsidersGrainServices(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelCache>();
        // A retrain's fit: one thread per core, below normal priority unless configured otherwise (disposed with the host).
        services.TryAddSingleton(sp => new BackgroundThreads(
            Environment.ProcessorCount, "insiders fit", sp.GetRequiredService<IOptions<InsidersOptions>>().Value.LowerFitPriority));
        services.AddMetrics();
        services.TryAddSingleton<InsidersMetrics>();
        services.TryAddSingleton<InsiderFeed>();
        services.TryAddSingleton<IInsiderTransitionStore, InMemoryTransitionStore>();
        services.TryAddSingleton<IReadModelStore, NoReadModelStore>();
        return services;
    }
}
