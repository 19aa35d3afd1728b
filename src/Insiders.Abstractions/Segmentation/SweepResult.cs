namespace Insiders.Segmentation;

/// <summary>
/// Outcome of a bulk reclassification: customers classified, customers whose status (segment or Insider flag) the
/// model changed, Insider entries and exits among them, and the customers called to reclassify themselves (those whose
/// Insider flag flipped; a segment-only change is relabelled in the shard).
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.sweep-result")]
public sealed record SweepResult(int Customers, int Reclassified, int Entered, int Left, int Called = 0)
{
    public static SweepResult Empty { get; } = new(0, 0, 0, 0, 0);

    public SweepResult Add(SweepResult other) =>
        new(Customers + other.Customers, Reclassified + other.Reclassified, Entered + other.Entered, Left + other.Left, Called + other.Called);
}
