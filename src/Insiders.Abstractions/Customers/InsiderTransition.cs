namespace Insiders.Customers;

/// <summary>
/// A customer entering or leaving the Insiders. (<see cref="CustomerId"/>, <see cref="Sequence"/>) identifies it, so
/// recording it again after a crash is a no-op: each transition is recorded exactly once.
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.insider-transition")]
public sealed record InsiderTransition(
    string CustomerId,
    long Sequence,
    DateTimeOffset At,
    long ModelVersion,
    int? FromSegment,
    int? ToSegment,
    bool Entered);
