using System.Runtime.CompilerServices;
using Insiders.Transactions;

namespace Insiders.Storage;

/// <summary>A journal in memory (tests and throwaway runs): same contract, nothing survives the process.</summary>
public sealed class InMemoryTransactionJournal : ITransactionJournal
{
    private readonly Lock _lock = new();
    private readonly List<TransactionLine> _lines = [];
    private readonly HashSet<ulong> _ids = [];
    private long _checkpoint;

    public Task<JournalAppend> AppendAsync(IReadOnlyList<TransactionLine> lines, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var added = lines.Where(l => _ids.Add(l.LineId)).ToList();
            _lines.AddRange(added);
            return Task.FromResult(new JournalAppend(added, _lines.Count));
        }
    }

    public Task<long> GetCheckpointAsync(CancellationToken cancellationToken = default) => Task.FromResult(Interlocked.Read(ref _checkpoint));

    public Task SetCheckpointAsync(long sequence, CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _checkpoint, Math.Max(sequence, Interlocked.Read(ref _checkpoint)));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<(long LastSequence, TransactionLine[] Lines)> ReadAfterAsync(long sequence, int batchSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        TransactionLine[] tail;
        lock (_lock)
        {
            tail = _lines.Skip((int)sequence).ToArray();
        }

        for (var i = 0; i < tail.Length; i += batchSize)
        {
            var batch = tail.Skip(i).Take(batchSize).ToArray();
            yield return (sequence + i + batch.Length, batch);
        }
    }
}
