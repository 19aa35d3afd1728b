using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Insiders.Tests.Fuzzing;

/// <summary>
/// A seeded generator of good and malformed Online Retail lines for the CSV and JSON paths. Each line carries the
/// outcome decided here, from the fault injected (one per bad line, into an otherwise valid line), never by running
/// the product's reader: a good line's row for the batch recompute, or the rejection reason and field.
/// </summary>
internal sealed partial class MalformedInputGenerator(int seed, IReadOnlyList<string> customers)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Strings that must be stored and echoed as data, never interpreted (SQL, HTML, spreadsheet formulas).</summary>
    public static readonly string[] Injections =
    [
        "'; DROP TABLE insiders_journal; --", "Robert'); DELETE FROM OrleansStorage;--", "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>", "=HYPERLINK(\"http://evil.example\",\"click\")", "=1+1", "+44 20 7946 0000", "-2+3",
        "@SUM(A1:A9)", "\tTAB", "\" OR \"\"=\"", "%00%0d%0a", "{{7*7}}", "${jndi:ldap://x}",
    ];

    private static readonly string[] Stocks = ["85123A", "22423", "84879", "21754", "47566", "22720", "POSTAGE", "m2"];
    private static readonly string[] Descriptions =
        ["WHITE HANGING HEART T-LIGHT HOLDER", "SET 7 BABUSHKA, NESTING BOXES", "12\" RULER", "", "CRÈME BRÛLÉE ☕ SET", "TWO\nLINES", "  PADDED  "];

    private static readonly string[] Countries = ["United Kingdom", "France", "EIRE", "Côte d'Ivoire", "Germany", ""];

    private readonly Random _random = new(seed);
    private int _invoice = 500_000;

    public Random Random => _random;

    /// <summary>A line for a CSV body: a good one in about 45% of the cases, else one fault (value or row structure).</summary>
    public LineCase NextCsvLine()
    {
        var roll = _random.Next(100);
        if (roll < 45)
        {
            return Good();
        }

        if (roll < 60)
        {
            var fault = (RowFault)_random.Next(1, 6);
            var line = Good();
            var values = (string?[])line.Values.Clone();
            // A one-line description: the fault is rendered around it, and a broken row spanning lines would have its
            // continuation lines read again as rows of their own (rejected too), which is not this row's fault.
            values[2] = "WHITE HEART";

            return new LineCase("row:" + fault, values, fault, Empty, null, "MalformedRow", null);
        }

        return BadValue();
    }

    /// <summary>A line for a JSON body: good, a bad value, or a wrong JSON type / absent property.</summary>
    public LineCase NextJsonLine()
    {
        var roll = _random.Next(100);
        if (roll < 45)
        {
            return Good();
        }

        if (roll < 65)
        {
            return WrongJsonType();
        }

        return BadValue();
    }

    /// <summary>A valid line: good values in several accepted spellings.</summary>
    public LineCase Good()
    {
        var isReturn = _random.Next(6) == 0;
        var invoice = (isReturn ? "C" : string.Empty) + (++_invoice).ToString(C);
        var stock = Pick(Stocks);
        var quantity = _random.Next(20) == 0 ? int.MaxValue : _random.Next(1, 49);
        if (isReturn)
        {
            quantity = -quantity;
        }

        var (dateText, date) = Date();
        var (priceText, price) = Price();
        var customer = Pick(customers);
        var customerText = customer.All(char.IsAsciiDigit) && _random.Next(3) == 0 ? customer + ".0" : _random.Next(8) == 0 ? " " + customer + " " : customer;
        var description = _random.Next(5) == 0 ? Pick(Injections) : Pick(Descriptions);
        var country = _random.Next(5) == 0 ? Pick(Injections) : Pick(Countries);
        var quantityText = _random.Next(10) == 0 ? (quantity > 0 ? "+" : string.Empty) + quantity.ToString(C) : quantity.ToString(C);
        return new LineCase(
            "good",
            [invoice, stock, description, quantityText, dateText, priceText, customerText, country],
            RowFault.None,
            Empty,
            new BatchRecompute.Row(invoice, stock, quantity, date, price, customer),
            null,
            null);
    }

    /// <summary>A line with one bad value (same reason and field on the CSV and the JSON path).</summary>
    public LineCase BadValue()
    {
        var faults = new (int Column, string Reason, string[] Texts)[]
        {
            (0, "InvalidInvoiceNo", ["", "   ", new string('9', 65)]),
            (1, "InvalidStockCode", ["", new string('A', 65)]),
            (3, "InvalidQuantity", ["abc", "--1", "1e3", "1.5", "99999999999", "NaN", "1,5", "-2147483648", "six", "0x10"]),
            (3, "ZeroQuantity", ["0", "-0", "+0", "000"]),
            (4, "InvalidInvoiceDate", ["2011-02-30 10:00:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "31/01/2011", "2011-13-01 00:00:00", "yesterday", "2011-01-31 25:00:00", "1969-07-20 20:17:00"]),
            (5, "InvalidUnitPrice", ["abc", "--1", "1e400", "NaN", "Infinity", "-Infinity", "∞", "1,5", "1000000000.01", "0x10", "2.55.1"]),
            (5, "PriceBelowMinimum", ["0", "0.00", "-2.5", "0.039", "-0", "1e-5", "-1000000000"]),
            (6, "InvalidCustomerId", ["-A1", "=1+1", "+44", "@SUM(A1)", "<script>", "1;DROP TABLE x", "a b", "Ω1", new string('7', 65), "-17850", "12'34"]),
            (1, "NonProductStockCode", ["POST", "D", "M", "m", "AMAZONFEE", "CRUK", "DOT"]),
            (7, "ExcludedCountry", ["European Community", "Unspecified"]),
            (6, "MissingCustomerId", ["", "   "]),
        };
        var (column, reason, texts) = faults[_random.Next(faults.Length)];
        var line = Good();
        var values = (string?[])line.Values.Clone();
        values[column] = Pick(texts);
        return new LineCase("value:" + reason, values, RowFault.None, Empty, null, reason, LineCase.Columns[column]);
    }

    private LineCase WrongJsonType()
    {
        var faults = new (int Column, string Token, string Reason)[]
        {
            (3, "true", "InvalidQuantity"), (3, "[6]", "InvalidQuantity"), (3, "{\"value\":6}", "InvalidQuantity"),
            (5, "false", "InvalidUnitPrice"), (5, "[2.55]", "InvalidUnitPrice"),
            (6, "true", "InvalidCustomerId"), (6, "{\"id\":17850}", "InvalidCustomerId"),
            (0, "[]", "InvalidInvoiceNo"), (1, "{}", "InvalidStockCode"), (4, "[2011,1,10]", "InvalidInvoiceDate"),
            (7, "{\"name\":\"France\"}", "MalformedRow"), (2, "[\"x\"]", "MalformedRow"),
        };
        var line = Good();
        if (_random.Next(4) == 0)
        {
            // An absent property is an empty value.
            var (column, reason) = Pick(new (int, string)[] { (0, "InvalidInvoiceNo"), (1, "InvalidStockCode"), (3, "InvalidQuantity"), (4, "InvalidInvoiceDate"), (5, "InvalidUnitPrice"), (6, "MissingCustomerId") });
            var values = (string?[])line.Values.Clone();
            values[column] = null;
            return new LineCase("json:absent " + LineCase.Columns[column], values, RowFault.None, Empty, null, reason, LineCase.Columns[column]);
        }

        var fault = faults[_random.Next(faults.Length)];
        return new LineCase($"json:{LineCase.Columns[fault.Column]}={fault.Token}", line.Values, RowFault.None, new Dictionary<int, string> { [fault.Column] = fault.Token }, null, fault.Reason, LineCase.Columns[fault.Column]);
    }

    private (string Text, DateTime Value) Date()
    {
        var day = new DateTime(2011, 1, 1).AddDays(_random.Next(0, 90));
        var time = day.AddHours(_random.Next(7, 20)).AddMinutes(_random.Next(60));
        return _random.Next(10) switch
        {
            0 => (time.ToString("M/d/yyyy H:mm", C), time),
            1 => (time.ToString("yyyy-MM-ddTHH:mm:ss", C), time),
            2 => (day.ToString("yyyy-MM-dd", C), day),
            3 => (" " + time.ToString("yyyy-MM-dd HH:mm:ss", C) + " ", time),
            _ => (time.ToString("yyyy-MM-dd HH:mm:ss", C), time),
        };
    }

    private (string Text, decimal Value) Price()
    {
        return _random.Next(12) switch
        {
            0 => ("1e1", 10m),
            1 => ("0.04", 0.04m),
            2 => ("1000000000", 1_000_000_000m),
            3 => ("999999999.99", 999_999_999.99m),
            4 => ("+3.50", 3.5m),
            _ => Cents(_random.Next(4, 10_000)),
        };

        static (string, decimal) Cents(int cents) => ((cents / 100m).ToString("0.00", C), cents / 100m);
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static readonly IReadOnlyDictionary<int, string> Empty = new Dictionary<int, string>();

    /// <summary>A CSV body of <paramref name="lines"/>: the header (maybe reordered, maybe with unknown columns), mixed line ends.</summary>
    /// <returns>The text and the physical line number of each line (the header is line 1).</returns>
    public (string Text, long[] LineNumbers) Csv(IReadOnlyList<LineCase> lines)
    {
        var order = Enumerable.Range(0, LineCase.Columns.Length).ToList();
        if (_random.Next(3) == 0)
        {
            order = [.. order.OrderBy(_ => _random.Next())];
        }

        var extra = _random.Next(4) == 0 ? _random.Next(order.Count + 1) : -1; // an unknown column at this position
        var header = order.Select(i => _random.Next(4) == 0 ? LineCase.Columns[i].ToLowerInvariant() : LineCase.Columns[i]).ToList();
        if (extra >= 0)
        {
            header.Insert(extra, "Notes");
        }

        var endings = new[] { "\n", "\r\n", "\r" };
        var fixedEnding = _random.Next(4) == 0 ? null : endings[_random.Next(endings.Length)];
        string Ending() => fixedEnding ?? endings[_random.Next(endings.Length)];
        var text = new StringBuilder();
        text.AppendJoin(',', header).Append(Ending());
        var numbers = new long[lines.Count];
        long physical = 2;
        for (var n = 0; n < lines.Count; n++)
        {
            var line = lines[n];
            var cells = order.Select(i => CsvCell(i, line)).ToList();
            if (extra >= 0)
            {
                cells.Insert(extra, CsvField(Pick(new[] { "note", "a, b", "", "=cmd|' /C calc'!A0" })));
            }

            switch (line.RowFault)
            {
                case RowFault.TooFewColumns:
                    cells.RemoveAt(cells.Count - 1);
                    break;
                case RowFault.TooManyColumns:
                    cells.Add("EXTRA");
                    break;
            }

            var row = string.Join(',', cells);
            numbers[n] = physical;
            physical += BreaksIn(row) + 1;
            text.Append(row);
            if (n < lines.Count - 1 || _random.Next(2) == 0)
            {
                text.Append(Ending());
            }
        }

        return (text.ToString(), numbers);
    }

    private static string CsvCell(int column, LineCase line)
    {
        if (column == 2)
        {
            switch (line.RowFault)
            {
                case RowFault.UnterminatedQuote:
                    return "\"" + line.Values[2];
                case RowFault.StrayQuote:
                    return "12\" RULER";
                case RowFault.TextAfterClosingQuote:
                    return "\"" + line.Values[2] + "\"X";
            }
        }

        return CsvField(line.Values[column] ?? string.Empty);
    }

    /// <summary>RFC 4180 quoting where needed (comma, quote, line break).</summary>
    public static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static int BreaksIn(string row) => row.Replace("\r\n", "\n", StringComparison.Ordinal).Count(c => c is '\n' or '\r');

    /// <summary>A JSON array of the lines: properties in any order and case, unknown properties, numbers where they fit.</summary>
    public string Json(IReadOnlyList<LineCase> lines)
    {
        var text = new StringBuilder("[");
        for (var n = 0; n < lines.Count; n++)
        {
            var line = lines[n];
            var properties = new List<string>();
            for (var i = 0; i < LineCase.Columns.Length; i++)
            {
                var name = _random.Next(4) == 0 ? LineCase.Columns[i].ToLowerInvariant() : LineCase.Columns[i];
                if (line.JsonTokens.TryGetValue(i, out var token))
                {
                    properties.Add($"{JsonSerializer.Serialize(name)}:{token}");
                }
                else if (line.Values[i] is { } value)
                {
                    var asNumber = i is 0 or 3 or 5 or 6 && JsonNumber().IsMatch(value) && _random.Next(2) == 0;
                    properties.Add($"{JsonSerializer.Serialize(name)}:{(asNumber ? value : JsonSerializer.Serialize(value))}");
                }
                else if (_random.Next(3) == 0)
                {
                    properties.Add($"{JsonSerializer.Serialize(name)}:null");
                }
            }

            if (_random.Next(4) == 0)
            {
                properties.Insert(_random.Next(properties.Count + 1), "\"unknownField\":{\"nested\":[1,2,{\"x\":null}]}");
            }

            properties = [.. properties.OrderBy(_ => _random.Next())];
            text.Append(n == 0 ? "\n  {" : ",\n  {").AppendJoin(", ", properties).Append('}');
        }

        return text.Append("\n]").ToString();
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex JsonNumber();
}
