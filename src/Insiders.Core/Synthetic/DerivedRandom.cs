namespace Insiders.Synthetic;

/// <summary>Creates the seeded <see cref="Random"/> of one <see cref="RandomPurpose"/> from the options' seed.</summary>
internal static class DerivedRandom
{
    public static Random Create(int seed, RandomPurpose purpose)
    {
        // SplitMix64 finaliser over (seed, purpose): unrelated streams for neighbouring seeds and purposes.
        var z = ((ulong)(uint)seed << 32 | (uint)purpose) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return new Random((int)(z & int.MaxValue));
    }
}
