namespace Insiders.Segmentation;

/// <summary>
/// Outcome of a bulk reclassification: customers classified, customers whose status (segment or Insider flag) the
/// model changed, Insider entries and exits among them, and the customers called to reclassify themselves (those whose
/// Insider flag flipped; a segment-only change is relabelled in the shard).
/// <para>
/// Where the time went, by phase: <see cref="Classify"/> (every report against the model), <see cref="Calls"/> (the
/// called customers), <see cref="Save"/> (the shard's reports written and sent to the read model). For a whole sweep,
/// whose shards run in parallel, each is the slowest shard's.
/// </para>
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.sweep-result")]
public sealed record SweepResult(
    int Customers, int Reclassified, int Entered, int Left, int Called = 0,
    TimeSpan Classify = default, TimeSpan Calls = default, TimeSpan Save = default)
{
    public static SweepResult Empty { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Two parts of one sweep run side by side: counts added, phase times the longer of the two.</summary>
    public SweepResult Add(SweepResult other) =>
        new(Customers + other.Customers, Reclassified + other.Reclassified, Entered + other.Entered, Left + other.Left, Called + other.Called,
            Max(Classify, other.Classify), Max(Calls, other.Calls), Max(Save, other.Save));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a >= b ? a : b;
}
