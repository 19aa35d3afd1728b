namespace Insiders.Features;

/// <summary>Mutable per-day sums inside a <see cref="CustomerLedger"/>.</summary>
[GenerateSerializer, Alias("insiders.day-totals")]
public sealed class DayTotals
{
    [Id(0)]
    public decimal GrossRevenue { get; set; }

    [Id(1)]
    public long QtyItems { get; set; }

    [Id(2)]
    public decimal ReturnsValue { get; set; }

    [Id(3)]
    public long QtyReturns { get; set; }
}
