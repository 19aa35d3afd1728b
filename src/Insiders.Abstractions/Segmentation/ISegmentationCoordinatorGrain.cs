using Orleans.Concurrency;
using Insiders.Clustering;

namespace Insiders.Segmentation;

/// <summary>Retrains periodically and on demand, publishes versioned models, and keeps the event clock.</summary>
[Alias("insiders.coordinator")]
public interface ISegmentationCoordinatorGrain : IGrainWithIntegerKey
{
    /// <summary>Snapshots every shard, fits a new model, publishes it and sweeps every customer.</summary>
    /// <remarks>A large population's first model outlasts Orleans' default 30 s response timeout: callers wait longer.</remarks>
    [ResponseTimeout("00:10:00"), Alias("retrain")]
    Task<RetrainResult> Retrain();

    [AlwaysInterleave, Alias("model")]
    Task<SegmentModel?> GetModel();

    [AlwaysInterleave, Alias("model-version")]
    Task<ModelPointer> GetModelVersion();

    /// <summary>Moves the event clock forward to <paramref name="latestEvent"/> (never backward).</summary>
    [AlwaysInterleave, Alias("advance-clock")]
    Task AdvanceClock(DateTime latestEvent);

    /// <summary>
    /// Makes the retraining schedule (a durable reminder) run every <paramref name="period"/>: registers it if missing or
    /// if the period changed, otherwise leaves it (and its phase) alone. Zero or negative removes it.
    /// </summary>
    [Alias("ensure-schedule")]
    Task EnsureScheduled(TimeSpan period);

    /// <summary>Persists the event clock if it moved (ingestion checkpoints call this).</summary>
    /// <remarks>Queues behind a running retrain (the grain is not reentrant), so it waits as long as one may take.</remarks>
    [ResponseTimeout("00:10:00"), Alias("flush")]
    Task Flush();
}
