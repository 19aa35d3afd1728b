namespace Insiders.Tests.Fuzzing;

/// <summary>How a CSV row is broken as a whole (the JSON path has no rows to break).</summary>
internal enum RowFault
{
    None,
    UnterminatedQuote,
    StrayQuote,
    TextAfterClosingQuote,
    TooFewColumns,
    TooManyColumns,
}

/// <summary>
/// One generated line and the outcome the generator decided for it: either the row the independent batch recompute
/// must count (<see cref="Good"/>), or the reason and field it must be rejected with.
/// </summary>
/// <param name="Values">Field texts in <see cref="Columns"/> order; null = absent (empty in CSV, no property in JSON).</param>
/// <param name="JsonTokens">Raw JSON tokens replacing a field's value (wrong JSON types), by column index.</param>
internal sealed record LineCase(
    string Kind,
    string?[] Values,
    RowFault RowFault,
    IReadOnlyDictionary<int, string> JsonTokens,
    BatchRecompute.Row? Good,
    string? Reason,
    string? Field)
{
    public static readonly string[] Columns = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"];

    public bool IsGood => Good is not null;

    public override string ToString() => $"{Kind}: [{string.Join('|', Values)}] → {(IsGood ? "accepted" : $"{Reason} ({Field})")}";
}
