using Insiders.Customers;

namespace Insiders.Infrastructure;

/// <summary>Durable record of Insider entries and exits. Recording a transition twice (same customer and sequence) is a no-op.</summary>
public interface IInsiderTransitionStore
{
    Task RecordAsync(IReadOnlyList<InsiderTransition> transitions, CancellationToken cancellationToken = default);

    /// <summary>Transitions in recording order, after <paramref name="afterCursor"/>; the cursor of the last one is returned with it.</summary>
    Task<IReadOnlyList<(long Cursor, InsiderTransition Transition)>> ReadAsync(long afterCursor, int limit, CancellationToken cancellationToken = default);
}
