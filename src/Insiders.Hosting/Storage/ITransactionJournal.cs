using Insiders.Transactions;

namespace Insiders.Storage;

/// <summary>
/// The durable record of accepted lines: one entry per ingestion batch, tagged with the writer (the silo whose
/// pipeline accepted it). A batch is acknowledged once its append has committed. Each writer records a checkpoint: the
/// last of its batches whose lines the grains' persisted state covers. Batches after a writer's checkpoint are
/// delivered again after a crash — by the writer itself on restart, or by a surviving silo once the writer is dead —
/// and line identity makes that harmless.
/// </summary>
public interface ITransactionJournal
{
    /// <summary>Appends one batch written by <paramref name="writer"/>; returns its sequence (increasing, not dense).</summary>
    Task<long> AppendAsync(string writer, IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default);

    /// <summary>The writer's checkpoint (0 when it never checkpointed).</summary>
    Task<long> GetCheckpointAsync(string writer, CancellationToken cancellationToken = default);

    /// <summary>Moves the writer's checkpoint forward (never backward).</summary>
    Task SetCheckpointAsync(string writer, long sequence, CancellationToken cancellationToken = default);

    /// <summary>Writers that have batches after their checkpoint.</summary>
    Task<IReadOnlyList<string>> PendingWritersAsync(CancellationToken cancellationToken = default);

    /// <summary>The writer's batches with sequence greater than <paramref name="sequence"/>, in order.</summary>
    IAsyncEnumerable<JournalBatch> ReadAfterAsync(string writer, long sequence, CancellationToken cancellationToken = default);
}

/// <summary>One journaled batch.</summary>
public sealed record JournalBatch(long Sequence, TransactionLine[] Lines);
