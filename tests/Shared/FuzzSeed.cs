using System.Globalization;

namespace Insiders.Tests;

/// <summary>The seed of the generated-input tests: fixed, printed, and overridable with INSIDERS_FUZZ_SEED for exploratory runs.</summary>
internal static class FuzzSeed
{
    public const int Default = 20261122;

    public static int Value =>
        int.TryParse(Environment.GetEnvironmentVariable("INSIDERS_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : Default;

    /// <summary>The seed, also written to the test output so that a failure can be replayed.</summary>
    public static int Announce(string test)
    {
        var seed = Value;
        TestContext.Current.TestOutputHelper?.WriteLine($"{test}: seed {seed} (override with INSIDERS_FUZZ_SEED)");
        return seed;
    }
}
