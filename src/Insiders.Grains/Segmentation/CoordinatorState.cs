using Insiders.Clustering;

namespace Insiders.Segmentation;

[GenerateSerializer, Alias("insiders.coordinator-state")]
public sealed class CoordinatorState
{
    [Id(0)]
    public SegmentModel? Model { get; set; }

    /// <summary>Latest InvoiceDate reported by ingestion (the event clock).</summary>
    [Id(1)]
    public DateTime? LatestEvent { get; set; }

    /// <summary><see cref="LatestEvent"/> at the last retrain, to skip scheduled retrains when nothing arrived.</summary>
    [Id(2)]
    public DateTime? LatestEventAtLastRetrain { get; set; }

    [Id(3)]
    public long ReportsAtLastRetrain { get; set; }

    /// <summary>Retrains started by the schedule (reminder ticks that found new data), for operators and tests.</summary>
    [Id(4)]
    public long ScheduledRetrains { get; set; }

    /// <summary>Period of the registered retraining reminder.</summary>
    [Id(5)]
    public TimeSpan? SchedulePeriod { get; set; }

    /// <summary>
    /// Version of the last model whose sweep finished. Lower than <see cref="Model"/>'s version when the silo running
    /// the sweep died: the next activation finishes it.
    /// </summary>
    [Id(6)]
    public long SweptVersion { get; set; }
}
