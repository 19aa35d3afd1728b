namespace Insiders.Synthetic;

/// <summary>A pending invoice in the generator's time-ordered queue.</summary>
/// <param name="Customer">Index of the customer (purchases and returns).</param>
/// <param name="GuestLines">Lines of a guest invoice.</param>
/// <param name="Returned">The items a cancellation returns, all from one earlier purchase of the customer.</param>
internal readonly record struct ScheduledEvent(EventKind Kind, int Customer, int GuestLines = 0, ReturnedItem[]? Returned = null);
