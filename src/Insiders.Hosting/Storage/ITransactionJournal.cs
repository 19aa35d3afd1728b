using Insiders.Transactions;

namespace Insiders.Storage;

/// <summary>
/// The durable record of accepted lines. A line is acknowledged once its append has committed; lines after the
/// checkpoint are re-delivered to the grains at start-up, and line identity makes re-delivery harmless.
/// </summary>
public interface ITransactionJournal
{
    /// <summary>Appends the lines not journaled before (by line id) and returns them, in input order.</summary>
    Task<JournalAppend> AppendAsync(IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default);

    Task<long> GetCheckpointAsync(CancellationToken cancellationToken = default);

    Task SetCheckpointAsync(long sequence, CancellationToken cancellationToken = default);

    /// <summary>Journaled lines with sequence greater than <paramref name="sequence"/>, in batches, in journal order.</summary>
    IAsyncEnumerable<(long LastSequence, TransactionLine[] Lines)> ReadAfterAsync(long sequence, int batchSize, CancellationToken cancellationToken = default);
}

/// <summary>The lines an append added (those not already in the journal) and the journal's last sequence after it.</summary>
public sealed record JournalAppend(IReadOnlyList<TransactionLine> NewLines, long LastSequence);
