using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Insiders.Ingestion;

/// <summary>
/// Who journals (this silo, by its address, which is new at every start) and which writers are alive (silos active
/// in the cluster membership). Batches of a writer that is no longer alive are delivered again by a survivor.
/// </summary>
public sealed class IngestionWriter(string name, Func<CancellationToken, Task<IReadOnlySet<string>>> liveWriters)
{
    public string Name { get; } = name;

    public Task<IReadOnlySet<string>> LiveWritersAsync(CancellationToken cancellationToken) => liveWriters(cancellationToken);

    /// <summary>The silo's writer: named by its address; alive = active in the membership.</summary>
    public static IngestionWriter ForSilo(IServiceProvider services)
    {
        var silo = services.GetRequiredService<ILocalSiloDetails>();
        var grains = services.GetRequiredService<IGrainFactory>();
        return new IngestionWriter(silo.SiloAddress.ToParsableString(), async _ =>
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            return hosts.Keys.Select(a => a.ToParsableString()).ToHashSet(StringComparer.Ordinal);
        });
    }
}
