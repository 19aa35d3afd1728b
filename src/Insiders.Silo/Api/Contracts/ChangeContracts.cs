namespace Insiders.Silo.Api.Contracts;

/// <summary>An entry into or exit from the Insiders, with its durable cursor.</summary>
public sealed record ChangeDto(long Cursor, string CustomerId, long Sequence, DateTimeOffset At, long ModelVersion, int? FromSegment, int? ToSegment, bool Entered);

/// <summary>A page of changes after a cursor; pass <see cref="Next"/> as <c>after</c> to continue.</summary>
public sealed record ChangePageDto(long After, long Next, bool HasMore, IReadOnlyList<ChangeDto> Items);
