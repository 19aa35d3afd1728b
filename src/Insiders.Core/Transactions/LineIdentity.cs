namespace Insiders.Transactions;

/// <summary>
/// Line identity: a 64-bit id derived from the source name and the line's position in it.
/// Replaying the same source again yields the same ids (so nothing is counted twice), while two identical
/// lines at different positions stay two lines (they are real purchases).
/// </summary>
public static class LineIdentity
{
    public static ulong SourceHash(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        // FNV-1a over UTF-16 code units: stable across processes and platforms (string.GetHashCode is not).
        var hash = 14695981039346656037UL;
        foreach (var c in source)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        return hash;
    }

    /// <summary>The id of line <paramref name="position"/> of the source with hash <paramref name="sourceHash"/>.</summary>
    public static ulong For(ulong sourceHash, long position) => Mix(sourceHash + (ulong)position * 0x9E3779B97F4A7C15UL);

    public static ulong For(string source, long position) => For(SourceHash(source), position);

    // SplitMix64 finaliser: a bijection, so distinct inputs never collide.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
