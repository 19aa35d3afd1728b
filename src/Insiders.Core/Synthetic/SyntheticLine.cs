using System.Globalization;
using Insiders.Transactions;

namespace Insiders.Synthetic;

/// <summary>One generated invoice line, with the columns of the UCI "Online Retail" format.</summary>
/// <param name="InvoiceNo">Invoice number from 536365 up, increasing with time (seven digits past 999999);
/// cancellations carry a leading "C".</param>
/// <param name="StockCode">Product code like "22423" or "85123A"; non-products (POST, M, D) on dirty lines.</param>
/// <param name="Description">Upper-case product description; may hold commas or quotes.</param>
/// <param name="Quantity">Units bought; negative on cancellation lines.</param>
/// <param name="InvoiceDate">Date and time to the minute; the same for every line of an invoice.</param>
/// <param name="UnitPrice">Price per unit, at most two decimals.</param>
/// <param name="CustomerId">Integer customer id (12346 up), or null for a guest checkout.</param>
/// <param name="Country">The customer's country, mostly "United Kingdom"; "Unspecified" on some dirty lines.</param>
public sealed record SyntheticLine(
    string InvoiceNo,
    string StockCode,
    string Description,
    int Quantity,
    DateTime InvoiceDate,
    decimal UnitPrice,
    string? CustomerId,
    string Country)
{
    /// <summary>The header row of the CSV format, in column order.</summary>
    public static string CsvHeader { get; } = string.Join(',', OnlineRetailReader.RequiredColumns);

    /// <summary>The line as a CSV row (no line terminator), in the column order of <see cref="CsvHeader"/>.</summary>
    public string ToCsvRow()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteCsvRow(writer);
        return writer.ToString();
    }

    /// <summary>Writes the row without a line terminator, formatting with the invariant culture.</summary>
    internal void WriteCsvRow(TextWriter writer)
    {
        Span<char> buffer = stackalloc char[32];
        WriteField(writer, InvoiceNo);
        writer.Write(',');
        WriteField(writer, StockCode);
        writer.Write(',');
        WriteField(writer, Description);
        writer.Write(',');
        Quantity.TryFormat(buffer, out var length, default, CultureInfo.InvariantCulture);
        writer.Write(buffer[..length]);
        writer.Write(',');
        InvoiceDate.TryFormat(buffer, out length, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        writer.Write(buffer[..length]);
        writer.Write(',');
        UnitPrice.TryFormat(buffer, out length, "0.0#", CultureInfo.InvariantCulture);
        writer.Write(buffer[..length]);
        writer.Write(',');
        if (CustomerId is not null)
        {
            WriteField(writer, CustomerId);
        }

        writer.Write(',');
        WriteField(writer, Country);
    }

    // Minimal quoting: only a field holding a comma, quote or line break is quoted, with inner quotes doubled.
    private static void WriteField(TextWriter writer, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            writer.Write(value);
            return;
        }

        writer.Write('"');
        writer.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
    }
}
