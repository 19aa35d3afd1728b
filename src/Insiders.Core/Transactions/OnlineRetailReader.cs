using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Insiders.Transactions;

/// <summary>
/// Reads the UCI Online Retail format (CSV, optionally gzip-compressed), validates every line and applies the
/// <see cref="CleaningRules"/>. Columns are found by header name (any order; unknown columns are ignored).
/// Bad lines are counted by reason with their line number and field and never stop the good ones.
/// </summary>
public sealed class OnlineRetailReader
{
    public static readonly string[] RequiredColumns =
        ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"];

    private const int MaxIdLength = 64;
    private const int MaxRecordLines = 16;
    private const int MaxRecordChars = 1 << 20;
    private static readonly DateTime EarliestInvoiceDate = new(1970, 1, 1);
    private static readonly DateTime LatestInvoiceDate = new(2100, 1, 1);
    private const decimal MaxUnitPrice = 1_000_000_000m;
    private static readonly string[] DateFormats =
        ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "M/d/yyyy H:mm", "M/d/yyyy H:mm:ss", "yyyy-MM-dd"];

    private readonly CleaningRules _rules;
    private readonly ulong _sourceHash;
    private readonly StringPool _pool = new();
    private readonly string?[] _previous = new string?[16];
    private readonly List<string> _fields = new(12);
    private readonly StringBuilder _record = new(256);
    private int _iInvoice, _iStock, _iQuantity, _iDate, _iPrice, _iCustomer, _iCountry, _columnCount;

    // Lines of one invoice repeat its date and customer, and prices repeat across lines: fields are pooled strings, so
    // the last parse of the very same string instance is reused (a reference check, no hashing).
    private string? _lastDateText, _lastPriceText, _lastCustomerText, _lastCustomer;
    private DateTime _lastDate;
    private decimal _lastPrice;

    public OnlineRetailReader(string source, CleaningRules? rules = null)
    {
        Source = source;
        _rules = rules ?? CleaningRules.Default;
        _sourceHash = LineIdentity.SourceHash(source);
    }

    /// <summary>The source name that, with the line number, makes each line's identity.</summary>
    public string Source { get; }

    /// <summary>Opens a file for reading, decompressing it when it is gzip (detected by content, not by name).</summary>
    public static Stream OpenFile(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        Span<byte> magic = stackalloc byte[2];
        var read = file.Read(magic);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>Reads a whole file. See <see cref="Read(TextReader, IngestSummary, Action{LineRejection}?)"/>.</summary>
    public IEnumerable<TransactionLine> ReadFile(string path, IngestSummary summary, Action<LineRejection>? onRejected = null)
    {
        using var stream = OpenFile(path);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        foreach (var line in Read(reader, summary, onRejected))
        {
            yield return line;
        }
    }

    /// <summary>
    /// Reads the header and then every record. Accepted lines are yielded in file order; rejected ones are counted in
    /// <paramref name="summary"/> and passed to <paramref name="onRejected"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The header is missing or lacks a required column.</exception>
    public IEnumerable<TransactionLine> Read(TextReader reader, IngestSummary summary, Action<LineRejection>? onRejected = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(summary);
        var lines = new PhysicalLines(reader);
        var header = lines.Next() ?? throw new InvalidDataException($"{Source}: empty input, expected the header {string.Join(',', RequiredColumns)}.");
        ReadHeader(header);

        while (true)
        {
            lines.StartRecord();
            var first = lines.Next();
            if (first is null)
            {
                yield break;
            }

            var recordLine = lines.Number;
            if (first.Length == 0)
            {
                continue; // blank lines (e.g. a trailing newline pair) carry no data
            }

            var error = SplitRecord(first, lines);
            TransactionLine? accepted = null;
            LineRejection? rejection = error is null ? Validate(recordLine, out accepted) : new LineRejection(recordLine, RejectReason.MalformedRow, null, error);
            if (rejection is not null)
            {
                if (error is not null)
                {
                    // A record that spanned lines and does not split (a quote opened and never closed where it should)
                    // is only its first line: the lines it swallowed are read again as records of their own, so one
                    // broken quote cannot take the good lines after it down with it. A well-formed multi-line record
                    // rejected for a value stays one record.
                    lines.RereadContinuation();
                }

                summary.CountRejected(rejection);
                onRejected?.Invoke(rejection);
                continue;
            }

            summary.CountAccepted();
            yield return accepted!;
        }
    }

    private void ReadHeader(string header)
    {
        _fields.Clear();
        var error = SplitFields(header.TrimStart('\uFEFF').AsSpan());
        if (error is not null)
        {
            throw new InvalidDataException($"{Source}: line 1: unreadable header: {error}");
        }

        int Find(string name)
        {
            var index = _fields.FindIndex(f => string.Equals(f.Trim(), name, StringComparison.OrdinalIgnoreCase));
            return index >= 0
                ? index
                : throw new InvalidDataException(
                    $"{Source}: line 1: header lacks column '{name}'. Expected {string.Join(',', RequiredColumns)}; got {header}");
        }

        Find("Description");
        _iInvoice = Find("InvoiceNo");
        _iStock = Find("StockCode");
        _iQuantity = Find("Quantity");
        _iDate = Find("InvoiceDate");
        _iPrice = Find("UnitPrice");
        _iCustomer = Find("CustomerID");
        _iCountry = Find("Country");
        _columnCount = _fields.Count;
    }

    // Splits one CSV record into _fields; a quoted field may span physical lines (then more lines are read).
    private string? SplitRecord(string first, PhysicalLines lines)
    {
        _fields.Clear();
        if (first.AsSpan().IndexOf('"') < 0)
        {
            // Fast path: no quoting at all.
            var span = first.AsSpan();
            foreach (var range in span.Split(','))
            {
                _fields.Add(FieldString(span[range]));
            }
        }
        else
        {
            var text = first;
            var inQuotes = EndsInsideQuotes(first, inQuotes: false);
            for (var spanned = 1; inQuotes; spanned++)
            {
                if (spanned == MaxRecordLines || text.Length > MaxRecordChars)
                {
                    return $"unterminated quoted field (a record may span at most {MaxRecordLines} lines and 1 MiB)";
                }

                var next = lines.Next();
                if (next is null)
                {
                    return "unterminated quoted field at end of input";
                }

                inQuotes = EndsInsideQuotes(next, inQuotes: true);
                text = string.Concat(text, "\n", next);
            }

            var error = SplitFields(text.AsSpan());
            if (error is not null)
            {
                return error;
            }
        }

        return _fields.Count == _columnCount
            ? null
            : $"expected {_columnCount} columns, found {_fields.Count}";
    }

    // True when a field that opened with a quote is still open at the end of this physical line (a quoted field
    // spanning lines). inQuotes: the line continues such a field. Scans each line once, however many a record spans.
    // A stray quote inside an unquoted field does not continue the record; SplitFields rejects that line alone.
    private static bool EndsInsideQuotes(string line, bool inQuotes)
    {
        var atFieldStart = !inQuotes;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < line.Length && line[i + 1] == '"')
                    {
                        i++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }

                continue;
            }

            if (c == '"' && atFieldStart)
            {
                inQuotes = true;
            }

            atFieldStart = c == ',';
        }

        return inQuotes;
    }

    private string? SplitFields(ReadOnlySpan<char> text)
    {
        var i = 0;
        while (true)
        {
            if (i < text.Length && text[i] == '"')
            {
                _record.Clear();
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        return "unterminated quoted field";
                    }

                    var c = text[i++];
                    if (c == '"')
                    {
                        if (i < text.Length && text[i] == '"')
                        {
                            _record.Append('"');
                            i++;
                            continue;
                        }

                        break;
                    }

                    _record.Append(c);
                }

                _fields.Add(_record.ToString());
                if (i == text.Length)
                {
                    return null;
                }

                if (text[i] != ',')
                {
                    return $"unexpected character '{text[i]}' after a closing quote at column {_fields.Count}";
                }

                i++;
                continue;
            }

            var comma = text[i..].IndexOf(',');
            var field = comma < 0 ? text[i..] : text.Slice(i, comma);
            if (field.IndexOf('"') >= 0)
            {
                return $"stray quote inside unquoted field at column {_fields.Count + 1}";
            }

            _fields.Add(FieldString(field));
            if (comma < 0)
            {
                return null;
            }

            i += comma + 1;
        }
    }

    // Consecutive lines of one invoice repeat its number, date, customer and country: the column's previous value is
    // checked before the pool, which then sees mostly the columns that change (a dictionary lookup of up to 1M entries).
    private string FieldString(ReadOnlySpan<char> value)
    {
        if (value.Length == 0)
        {
            return string.Empty;
        }

        var column = _fields.Count;
        if (column < _previous.Length && _previous[column] is { } previous && value.SequenceEqual(previous))
        {
            return previous;
        }

        var s = _pool.Get(value);
        if (column < _previous.Length)
        {
            _previous[column] = s;
        }

        return s;
    }

    private LineRejection? Validate(long lineNumber, out TransactionLine? line)
    {
        line = null;
        var invoice = _fields[_iInvoice].Trim();
        if (invoice.Length == 0 || invoice.Length > MaxIdLength)
        {
            return new(lineNumber, RejectReason.InvalidInvoiceNo, "InvoiceNo", invoice.Length == 0 ? "empty" : $"longer than {MaxIdLength} characters");
        }

        var stock = _fields[_iStock].Trim();
        if (stock.Length == 0 || stock.Length > MaxIdLength)
        {
            return new(lineNumber, RejectReason.InvalidStockCode, "StockCode", stock.Length == 0 ? "empty" : $"longer than {MaxIdLength} characters");
        }

        var quantityText = _fields[_iQuantity];
        if (!int.TryParse(quantityText, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var quantity)
            || quantity is int.MinValue)
        {
            return new(lineNumber, RejectReason.InvalidQuantity, "Quantity", $"'{Clip(quantityText)}' is not an integer in range");
        }

        var dateText = _fields[_iDate];
        DateTime date;
        if (ReferenceEquals(dateText, _lastDateText))
        {
            date = _lastDate;
        }
        else
        {
            dateText = dateText.Trim();
            if (!DateTime.TryParseExact(dateText, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out date))
            {
                return new(lineNumber, RejectReason.InvalidInvoiceDate, "InvoiceDate", $"'{Clip(dateText)}' is not a date like 2011-01-31 14:05:00");
            }

            date = DateTime.SpecifyKind(date, DateTimeKind.Unspecified);
            if (date < EarliestInvoiceDate || date >= LatestInvoiceDate)
            {
                // Year 0001 or 9999 is a typo, and a date far ahead would move the event-time clock of every customer.
                return new(lineNumber, RejectReason.InvalidInvoiceDate, "InvoiceDate", $"'{Clip(dateText)}' is outside {EarliestInvoiceDate:yyyy}-{LatestInvoiceDate.Year - 1}");
            }

            (_lastDateText, _lastDate) = (_fields[_iDate], date);
        }

        var priceText = _fields[_iPrice];
        decimal price;
        if (ReferenceEquals(priceText, _lastPriceText))
        {
            price = _lastPrice;
        }
        else
        {
            if (!decimal.TryParse(priceText, NumberStyles.Float, CultureInfo.InvariantCulture, out price) || Math.Abs(price) > MaxUnitPrice)
            {
                return new(lineNumber, RejectReason.InvalidUnitPrice, "UnitPrice", $"'{Clip(priceText)}' is not a finite price (|price| <= {MaxUnitPrice})");
            }

            (_lastPriceText, _lastPrice) = (priceText, price);
        }

        var customerText = _fields[_iCustomer];
        string? customer = null;
        if (ReferenceEquals(customerText, _lastCustomerText))
        {
            customer = _lastCustomer;
        }
        else if (customerText.Length > 0 && !string.IsNullOrWhiteSpace(customerText))
        {
            customer = NormaliseCustomerId(customerText);
            if (customer is null)
            {
                return new(lineNumber, RejectReason.InvalidCustomerId, "CustomerID", $"'{Clip(customerText.Trim())}' is not an id (letters, digits, '-', '_', '.', not starting with '-'; at most {MaxIdLength})");
            }

            (_lastCustomerText, _lastCustomer) = (customerText, customer);
        }

        if (quantity == 0)
        {
            return new(lineNumber, RejectReason.ZeroQuantity, "Quantity", "quantity is 0");
        }

        if (price < _rules.MinimumUnitPrice)
        {
            return new(lineNumber, RejectReason.PriceBelowMinimum, "UnitPrice", $"{price.ToString(CultureInfo.InvariantCulture)} is below {_rules.MinimumUnitPrice.ToString(CultureInfo.InvariantCulture)}");
        }

        if (_rules.NonProductStockCodes.Contains(stock))
        {
            return new(lineNumber, RejectReason.NonProductStockCode, "StockCode", $"'{stock}' is not a product");
        }

        var country = _fields[_iCountry].Trim();
        if (_rules.ExcludedCountries.Contains(country))
        {
            return new(lineNumber, RejectReason.ExcludedCountry, "Country", $"'{country}' is not a country");
        }

        if (customer is null)
        {
            if (_rules.MissingCustomer == MissingCustomerPolicy.Drop)
            {
                return new(lineNumber, RejectReason.MissingCustomerId, "CustomerID", "no customer id (policy: drop)");
            }

            customer = PerInvoiceCustomerId(invoice);
        }

        line = new TransactionLine(LineIdentity.For(_sourceHash, lineNumber), invoice, stock, quantity, date, price, customer, country);
        return null;
    }

    /// <summary>The customer id given to an invoice without CustomerID under <see cref="MissingCustomerPolicy.PerInvoice"/>.</summary>
    public static string PerInvoiceCustomerId(string invoiceNo) => "inv-" + invoiceNo;

    /// <summary>Trims, turns <c>17850.0</c> into <c>17850</c>, and checks the id's characters (letters, digits, <c>-_.</c>,
    /// not starting with <c>-</c>); null when unusable.</summary>
    public static string? NormaliseCustomerId(string text)
    {
        var value = text.Trim();
        if (value.EndsWith(".0", StringComparison.Ordinal) && value.Length > 2 && value[..^2].All(char.IsAsciiDigit))
        {
            value = value[..^2];
        }

        // A leading '-' would make the id a formula in a spreadsheet opening the feature export (CSV injection).
        if (value.Length is 0 or > MaxIdLength || value[0] == '-')
        {
            return null;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return null;
            }
        }

        return value;
    }

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
