using Insiders.Segmentation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Insiders.Ingestion;

/// <summary>
/// On start: delivers journaled lines the grains may not have persisted (crash recovery) and activates the
/// coordinator's retraining schedule. While running: checkpoints ingestion periodically; on stop: a final checkpoint.
/// A failure (the database restarting, a silo dying mid-checkpoint) is logged and the step is tried again: the silo
/// never stops because its storage was briefly unavailable, and a checkpoint that did not finish keeps every line it
/// covers for the next one.
/// </summary>
internal sealed partial class IngestionStartup(
    IngestionPipeline pipeline,
    IGrainFactory grains,
    IOptions<HostingOptions> hosting,
    IOptions<InsidersOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<IngestionStartup> logger) : BackgroundService
{
    private static readonly TimeSpan s_maxRetryDelay = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo must be up before grains can be called; the pipeline holds all ingestion until recovery is done.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        try
        {
            await UntilDoneAsync("recovery", () => pipeline.RecoverAsync(stoppingToken), stoppingToken);
            // Silos with a period keep the cluster's schedule (a durable reminder) in place; a process with none (the CLI
            // joining a cluster to replay a file) leaves the schedule as it is.
            if (options.Value.RetrainPeriod > TimeSpan.Zero)
            {
                var coordinator = grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey);
                await UntilDoneAsync("retraining schedule", () => coordinator.EnsureScheduled(options.Value.RetrainPeriod), stoppingToken);
            }

            using var timer = new PeriodicTimer(hosting.Value.CheckpointInterval);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await pipeline.BackgroundCheckpointAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Nothing is lost: the pipeline still holds everything since the last checkpoint; the next tick tries again.
                    LogFailed(logger, e, "checkpoint", hosting.Value.CheckpointInterval.TotalSeconds);
                }
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

    private async Task UntilDoneAsync(string step, Func<Task> action, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e, step, delay.TotalSeconds);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, s_maxRetryDelay.Ticks));
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Ingestion {Step} failed; trying again in {Seconds} s")]
    private static partial void LogFailed(ILogger logger, Exception exception, string step, double seconds);
}
