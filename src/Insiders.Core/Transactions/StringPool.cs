namespace Insiders.Transactions;

/// <summary>Deduplicates the few thousand distinct stock codes, invoices and countries of a file without allocating per line.</summary>
internal sealed class StringPool(int maxEntries = 1 << 20)
{
    private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);

    public string Get(ReadOnlySpan<char> value)
    {
        var lookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(value, out var existing))
        {
            return existing;
        }

        var s = value.ToString();
        if (_pool.Count < maxEntries)
        {
            _pool[s] = s;
        }

        return s;
    }
}
