namespace Insiders.Transactions;

/// <summary>A rejected input line: where, which field, why.</summary>
/// <param name="LineNumber">1-based physical line number in the source (the header is line 1).</param>
/// <param name="Field">The offending column, or null when the whole row is at fault.</param>
public sealed record LineRejection(long LineNumber, RejectReason Reason, string? Field, string Message)
{
    public override string ToString() =>
        Field is null ? $"line {LineNumber}: {Reason}: {Message}" : $"line {LineNumber}: {Reason} ({Field}): {Message}";
}
