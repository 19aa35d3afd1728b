namespace Insiders.Benchmarks;

/// <summary>The median every benchmark reports: the middle of the sorted values (the upper middle of an even count).</summary>
internal static class Medians
{
    public static T Median<T>(this IEnumerable<T> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
