namespace Insiders.Silo.Api.Contracts;

/// <summary>One line of a JSON post: the Online Retail field names (matched case-insensitively; numbers or strings).</summary>
public sealed record TransactionLineJson(
    string? InvoiceNo,
    string? StockCode,
    string? Description,
    int? Quantity,
    string? InvoiceDate,
    decimal? UnitPrice,
    string? CustomerID,
    string? Country);

/// <summary>What happened to a post: counts, duplicates (lines already known by identity) and every rejection.</summary>
/// <param name="Lines">Data lines read (accepted by the cleaning rules + rejected).</param>
/// <param name="Accepted">New lines journaled and applied.</param>
/// <param name="Duplicates">Valid lines already known (the same post, or the same Idempotency-Key, seen before).</param>
/// <param name="Errors">Rejections with line number (CSV) or item index (JSON), at most Insiders:Api:MaxReportedErrors.</param>
public sealed record IngestResponse(
    string Source,
    string Format,
    long Lines,
    int Accepted,
    int Duplicates,
    long Rejected,
    IReadOnlyDictionary<string, long> RejectedByReason,
    IReadOnlyList<LineErrorDto> Errors,
    bool ErrorsTruncated);

/// <summary>A rejected line: <see cref="Line"/> is the physical line (header = 1) for CSV; <see cref="Item"/> the 0-based array index for JSON.</summary>
public sealed record LineErrorDto(long? Line, long? Item, string Reason, string? Field, string Message);
