using Insiders.Ingestion;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Insiders.Silo.Observability;

/// <summary>Readiness: this silo is Active in the cluster membership and ingestion has finished its start-up recovery.</summary>
internal sealed class SiloHealthCheck(IClusterMembershipService membership, ILocalSiloDetails silo, IngestionPipeline pipeline) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        if (status != SiloStatus.Active)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Silo {silo.SiloAddress} is {status}."));
        }

        return Task.FromResult(pipeline.IsRecovered
            ? HealthCheckResult.Healthy($"Silo {silo.SiloAddress} is active.")
            : HealthCheckResult.Unhealthy("Ingestion is still recovering journaled lines."));
    }
}
