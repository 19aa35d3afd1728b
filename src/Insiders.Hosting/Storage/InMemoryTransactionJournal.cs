using System.Runtime.CompilerServices;
using Insiders.Transactions;

namespace Insiders.Storage;

/// <summary>A journal in memory (tests and throwaway runs): same contract, nothing survives the process.</summary>
public sealed class InMemoryTransactionJournal : ITransactionJournal
{
    private readonly Lock _lock = new();
    private readonly List<(string Writer, JournalBatch Batch)> _batches = [];
    private readonly Dictionary<string, long> _checkpoints = new(StringComparer.Ordinal);

    public Task<long> AppendAsync(string writer, IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var sequence = _batches.Count + 1;
            _batches.Add((writer, new JournalBatch(sequence, lines.ToArray())));
            return Task.FromResult((long)sequence);
        }
    }

    public Task<long> GetCheckpointAsync(string writer, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_checkpoints.GetValueOrDefault(writer));
        }
    }

    public Task SetCheckpointAsync(string writer, long sequence, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _checkpoints[writer] = Math.Max(sequence, _checkpoints.GetValueOrDefault(writer));
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<string>> PendingWritersAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<string> pending = _batches
                .Where(b => b.Batch.Sequence > _checkpoints.GetValueOrDefault(b.Writer))
                .Select(b => b.Writer)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            return Task.FromResult(pending);
        }
    }

    public async IAsyncEnumerable<JournalBatch> ReadAfterAsync(string writer, long sequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<JournalBatch> batches;
        lock (_lock)
        {
            batches = _batches.Where(b => b.Writer == writer && b.Batch.Sequence > sequence).Select(b => b.Batch).ToList();
        }

        foreach (var batch in batches)
        {
            await Task.Yield();
            yield return batch;
        }
    }
}
