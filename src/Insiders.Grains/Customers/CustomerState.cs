using Insiders.Features;

namespace Insiders.Customers;

/// <summary>Persisted state of a customer grain.</summary>
[GenerateSerializer, Alias("insiders.customer-state")]
public sealed class CustomerState
{
    [Id(0)]
    public CustomerLedger Ledger { get; set; } = new();

    /// <summary>Model version of the last classification (0 = never classified).</summary>
    [Id(1)]
    public long ModelVersion { get; set; }

    [Id(2)]
    public int? SegmentId { get; set; }

    /// <summary>null until first classified.</summary>
    [Id(3)]
    public bool? IsInsider { get; set; }

    [Id(4)]
    public DateTimeOffset? InsiderSince { get; set; }

    /// <summary>When the segment last changed.</summary>
    [Id(5)]
    public DateTimeOffset? StatusSince { get; set; }

    /// <summary>Number of transitions decided so far: the sequence of the next one is this + 1.</summary>
    [Id(6)]
    public long TransitionCount { get; set; }

    /// <summary>Transitions decided but not yet recorded: written with the state first, then recorded (an outbox).</summary>
    [Id(7)]
    public List<InsiderTransition> Pending { get; set; } = [];

    /// <summary>Increases on every change, so a shard keeps the newest report whatever order reports arrive in.</summary>
    [Id(8)]
    public long Revision { get; set; }
}
