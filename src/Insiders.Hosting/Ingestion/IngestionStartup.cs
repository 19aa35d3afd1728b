using Insiders.Segmentation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Insiders.Ingestion;

/// <summary>
/// On start: delivers journaled lines the grains may not have persisted (crash recovery) and activates the
/// coordinator's retraining schedule. While running: checkpoints ingestion periodically; on stop: a final checkpoint.
/// </summary>
internal sealed class IngestionStartup(
    IngestionPipeline pipeline, IGrainFactory grains, IOptions<HostingOptions> hosting, IOptions<InsidersOptions> options, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo must be up before grains can be called; the pipeline holds all ingestion until recovery is done.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        await pipeline.RecoverAsync(stoppingToken);
        // Silos with a period keep the cluster's schedule (a durable reminder) in place; a process with none (the CLI
        // joining a cluster to replay a file) leaves the schedule as it is.
        if (options.Value.RetrainPeriod > TimeSpan.Zero)
        {
            await grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).EnsureScheduled(options.Value.RetrainPeriod);
        }
        using var timer = new PeriodicTimer(hosting.Value.CheckpointInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await pipeline.CheckpointAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await pipeline.CheckpointAsync(CancellationToken.None);
    }
}
