using System.Buffers;
using System.Text;

namespace Insiders.Transactions;

/// <summary>
/// A quick pass over an Online Retail file (no parsing beyond finding each record's InvoiceDate): how many records it
/// has and whether they are already in event-time order, so a replay can stream the file instead of sorting it first.
/// </summary>
/// <remarks>
/// Only ISO dates (<c>yyyy-MM-dd HH:mm[:ss]</c>, whose text order is their time order) can prove the order; any other
/// date text, a quoted header or a date out of order answers "not in order" and the caller sorts. Quoted fields
/// (commas and line breaks inside quotes) are followed as the reader follows them.
/// </remarks>
public sealed record EventOrderScan(long Records, bool InOrder)
{
    private static readonly SearchValues<byte> Special = SearchValues.Create(",\"\n"u8);

    public static EventOrderScan Scan(string path)
    {
        using var stream = OnlineRetailReader.OpenFile(path);
        return Scan(stream);
    }

    public static EventOrderScan Scan(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[1 << 20];
        var filled = 0;
        var eof = false;

        // The header: the first physical line.
        int newline;
        while ((newline = buffer.AsSpan(0, filled).IndexOf((byte)'\n')) < 0)
        {
            if (filled == buffer.Length || eof)
            {
                return new EventOrderScan(0, false);
            }

            var n = stream.Read(buffer, filled, buffer.Length - filled);
            eof = n == 0;
            filled += n;
        }

        var header = Encoding.UTF8.GetString(buffer, 0, newline).TrimStart('\uFEFF').TrimEnd('\r');
        var columns = header.Split(',');
        var dateColumn = Array.FindIndex(columns, c => string.Equals(c.Trim(), "InvoiceDate", StringComparison.OrdinalIgnoreCase));
        if (dateColumn < 0 || header.Contains('"'))
        {
            return new EventOrderScan(0, false);
        }

        Span<byte> previous = stackalloc byte[32];
        Span<byte> current = stackalloc byte[32];
        var previousLength = 0;
        var currentLength = 0;
        var field = 0;
        var inQuotes = false;
        var fieldHasText = false;
        var justClosedQuote = false;
        var recordHasData = false;
        long records = 0;
        var start = newline + 1;
        while (true)
        {
            var span = buffer.AsSpan(start, filled - start);
            var i = 0;
            while (i < span.Length)
            {
                if (inQuotes)
                {
                    var q = span[i..].IndexOf((byte)'"');
                    if (q < 0)
                    {
                        i = span.Length;
                        break;
                    }

                    // A doubled quote ("") inside a quoted field closes here and reopens on the next quote.
                    i += q + 1;
                    inQuotes = false;
                    justClosedQuote = true;
                    continue;
                }

                var next = span[i..].IndexOfAny(Special);
                var text = next < 0 ? span[i..] : span.Slice(i, next);
                if (text.Length > 0 && text.IndexOfAnyExcept((byte)'\r') >= 0) // a lone '\r' (CRLF blank line) is no data
                {
                    recordHasData = true;
                    fieldHasText = true;
                    justClosedQuote = false;
                    if (field == dateColumn && !Append(current, ref currentLength, text))
                    {
                        return new EventOrderScan(records, false);
                    }
                }

                if (next < 0)
                {
                    i = span.Length;
                    break;
                }

                i += next;
                var wasClosed = justClosedQuote;
                justClosedQuote = false;
                switch (span[i++])
                {
                    case (byte)'"' when wasClosed:
                        inQuotes = true; // an escaped quote inside the quoted field
                        break;
                    case (byte)',':
                        field++;
                        fieldHasText = false;
                        recordHasData = true;
                        break;
                    case (byte)'"' when fieldHasText:
                        return new EventOrderScan(records, false); // a stray quote: leave such a file to the full reader
                    case (byte)'"':
                        inQuotes = true;
                        fieldHasText = true;
                        recordHasData = true;
                        break;
                    default: // '\n': end of record
                        if (recordHasData)
                        {
                            if (!InOrderAfter(previous[..previousLength], current[..currentLength]))
                            {
                                return new EventOrderScan(records, false);
                            }

                            current[..currentLength].CopyTo(previous);
                            previousLength = currentLength;
                            records++;
                        }

                        field = 0;
                        fieldHasText = false;
                        currentLength = 0;
                        recordHasData = false;
                        break;
                }
            }

            if (eof)
            {
                break;
            }

            // Text of the date field may straddle buffers: it was appended as it came, so only the position resets.
            filled = stream.Read(buffer, 0, buffer.Length);
            start = 0;
            eof = filled == 0;
        }

        if (recordHasData && !inQuotes)
        {
            if (!InOrderAfter(previous[..previousLength], current[..currentLength]))
            {
                return new EventOrderScan(records, false);
            }

            records++;
        }

        return new EventOrderScan(records, !inQuotes);
    }

    private static bool Append(Span<byte> date, ref int length, ReadOnlySpan<byte> text)
    {
        if (length + text.Length > date.Length)
        {
            return false;
        }

        text.CopyTo(date[length..]);
        length += text.Length;
        return true;
    }

    // ISO "yyyy-MM-dd HH:mm" or "yyyy-MM-dd HH:mm:ss" (a trailing '\r' allowed), not earlier than the previous one.
    private static bool InOrderAfter(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> date)
    {
        if (date.Length > 0 && date[^1] == '\r')
        {
            date = date[..^1];
        }

        if (date.Length is not (16 or 19) || date[4] != '-' || date[7] != '-' || date[10] != ' ' || date[13] != ':' || (date.Length == 19 && date[16] != ':'))
        {
            return false;
        }

        for (var i = 0; i < date.Length; i++)
        {
            if (i is not (4 or 7 or 10 or 13 or 16) && !char.IsAsciiDigit((char)date[i]))
            {
                return false;
            }
        }

        if (previous.Length > 0 && previous[^1] == '\r')
        {
            previous = previous[..^1];
        }

        return date.SequenceCompareTo(previous) >= 0;
    }
}
