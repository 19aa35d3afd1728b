namespace Insiders.Synthetic;

/// <summary>Draws items with probability proportional to fixed weights (cumulative table and binary search).</summary>
internal sealed class WeightedChoice<T>
{
    private readonly T[] _items;
    private readonly double[] _cumulative;

    public WeightedChoice(IReadOnlyList<(T Item, double Weight)> entries)
    {
        if (entries.Count == 0 || entries.Any(e => !(e.Weight >= 0)) || !(entries.Sum(e => e.Weight) > 0))
        {
            throw new ArgumentException("Needs at least one entry, non-negative weights and a positive total.", nameof(entries));
        }

        _items = new T[entries.Count];
        _cumulative = new double[entries.Count];
        var total = 0.0;
        for (var i = 0; i < entries.Count; i++)
        {
            _items[i] = entries[i].Item;
            total += entries[i].Weight;
            _cumulative[i] = total;
        }
    }

    public T Sample(Random random)
    {
        var target = random.NextDouble() * _cumulative[^1];
        var lo = 0;
        var hi = _cumulative.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_cumulative[mid] > target)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return _items[lo];
    }
}
