using System.Collections.Concurrent;

namespace Insiders.Clustering;

/// <summary>
/// Per-row work over every core in fixed blocks of rows. Each row's result goes to its own slot, and a reduction adds
/// the blocks' partial results in block order, so the outcome never depends on how the threads were scheduled.
/// </summary>
internal static class RowRanges
{
    /// <summary>Rows per block: small enough to balance two cores, large enough that scheduling costs nothing.</summary>
    public const int BlockSize = 16_384;

    /// <summary>Runs <paramref name="body"/> on [start, end) blocks covering 0..<paramref name="count"/>.</summary>
    public static void For(int count, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= BlockSize)
        {
            body(0, count);
            return;
        }

        Parallel.ForEach(Partitioner.Create(0, count, BlockSize), BackgroundThreads.ForCurrent(), range => body(range.Item1, range.Item2));
    }

    /// <summary>Sums <paramref name="block"/> over the blocks of 0..<paramref name="count"/>, adding the partial sums in block order.</summary>
    public static double Sum(int count, Func<int, int, double> block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var blocks = (count + BlockSize - 1) / BlockSize;
        var partial = new double[blocks];
        For(count, (start, end) =>
        {
            // Blocks may arrive merged (a small count is one call): split them back so each partial is one block.
            for (var s = start; s < end; s += BlockSize)
            {
                partial[s / BlockSize] = block(s, Math.Min(end, s + BlockSize));
            }
        });
        var sum = 0.0;
        foreach (var p in partial)
        {
            sum += p;
        }

        return sum;
    }
}
