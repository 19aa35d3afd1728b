namespace Insiders.Segmentation;

/// <summary>
/// Outcome of a bulk reclassification: customers classified, customers whose status (segment or Insider flag) the
/// model changed — each called to reclassify itself — and Insider entries and exits among them.
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.sweep-result")]
public sealed record SweepResult(int Customers, int Reclassified, int Entered, int Left)
{
    public static SweepResult Empty { get; } = new(0, 0, 0, 0);

    public SweepResult Add(SweepResult other) =>
        new(Customers + other.Customers, Reclassified + other.Reclassified, Entered + other.Entered, Left + other.Left);
}
