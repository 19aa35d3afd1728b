using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Insiders.Transactions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Insiders.Silo.Api;

/// <summary>Why a transactions body could not be read at all (as opposed to per-line rejections).</summary>
internal sealed record PostFailure(int Status, string Title, string Detail);

/// <summary>A transactions body read through <see cref="OnlineRetailReader"/>: accepted lines and every rejection.</summary>
internal sealed record PostedLines(string Source, bool IsJson, IReadOnlyList<TransactionLine> Lines, IngestSummary Summary, IReadOnlyList<LineRejection> Errors, string? IdempotencyKey)
{
    /// <summary>
    /// SHA-256 over what this post would ingest: the number of lines and each accepted line's identity and fields. The
    /// same lines sent as CSV or as JSON (or with other spacing, quoting, number formats or descriptions) have the same
    /// fingerprint; any difference in what would be ingested changes it.
    /// </summary>
    public string Fingerprint()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder().Append(Summary.Total).Append('\n');
        foreach (var l in Lines)
        {
            text.Append(c, $"{l.LineId}|{l.InvoiceNo}|{l.StockCode}|{l.Quantity}|{l.InvoiceDate.Ticks}|{l.UnitPrice.ToString("0.############################", c)}|{l.CustomerId}|{l.Country}\n");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>
/// Reads a <c>POST /api/transactions</c> body — CSV in the Online Retail format with its header, or a JSON array of
/// objects with the same field names — and validates every line with the same reader and cleaning rules as the CLI.
/// A JSON array is turned into the equivalent CSV (item i is line i + 2), so both formats share one code path.
/// <para>
/// Line identity: the source is <c>http-key:{Idempotency-Key}</c> when the client sends that header, otherwise
/// <c>http-sha256:{hash of the body}</c>; with the line number it makes each line's id. Posting the same body again
/// (or the same key) yields the same ids, so the lines are counted as duplicates, not twice.
/// </para>
/// </summary>
internal static class TransactionPost
{
    public const string IdempotencyHeader = "Idempotency-Key";

    // Marks a body announced as gzip that is not gzip.
    private static readonly byte[] NotGzip = new byte[1];

    public static async Task<(PostedLines? Posted, PostFailure? Failure)> ReadAsync(HttpRequest request, ApiOptions options, CancellationToken cancellationToken)
    {
        var limit = options.MaxTransactionBodyBytes;
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + 1; // we enforce the limit ourselves, with a ProblemDetails answer
        }

        var key = request.Headers[IdempotencyHeader].ToString().Trim();
        if (key.Length > 200 || key.Any(char.IsControl))
        {
            return (null, new PostFailure(StatusCodes.Status400BadRequest, "Invalid Idempotency-Key", "The Idempotency-Key header must be at most 200 printable characters."));
        }

        var body = await ReadBodyAsync(request, limit, cancellationToken);
        if (body is null)
        {
            return (null, TooLarge(limit));
        }

        if (ReferenceEquals(body, NotGzip))
        {
            return (null, BadRequest("Content-Encoding is gzip but the body is not valid gzip data."));
        }

        if (body.Length == 0)
        {
            return (null, BadRequest("The body is empty: send CSV with the Online Retail header, or a JSON array of lines."));
        }

        var source = key.Length > 0 ? "http-key:" + key : "http-sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var (text, decodeFailure) = Decode(body, request.ContentType);
        if (decodeFailure is not null)
        {
            return (null, decodeFailure);
        }

        var isJson = IsJson(request.ContentType, text!);
        if (isJson is null)
        {
            return (null, new PostFailure(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Content-Type '{request.ContentType}' is not supported: use text/csv or application/json."));
        }

        string csv;
        IReadOnlyList<LineRejection> wrongTypes = [];
        if (isJson.Value)
        {
            var (converted, typeErrors, error) = JsonToCsv(text!);
            if (error is not null)
            {
                return (null, BadRequest(error));
            }

            csv = converted!;
            wrongTypes = typeErrors!;
        }
        else
        {
            csv = text!;
        }

        var summary = new IngestSummary(maxExamples: 0);
        var errors = new List<LineRejection>();
        var lines = new List<TransactionLine>();
        var nextWrongType = 0;
        void Report(LineRejection r)
        {
            summary.CountRejected(r);
            if (errors.Count < options.MaxReportedErrors)
            {
                errors.Add(r);
            }
        }

        try
        {
            var reader = new OnlineRetailReader(source);
            foreach (var line in reader.Read(new StringReader(csv), summary, r =>
            {
                // Items rejected for a JSON type (blank lines to the reader) keep their place in line order.
                while (nextWrongType < wrongTypes.Count && wrongTypes[nextWrongType].LineNumber < r.LineNumber)
                {
                    Report(wrongTypes[nextWrongType++]);
                }

                if (errors.Count < options.MaxReportedErrors)
                {
                    errors.Add(r);
                }
            }))
            {
                lines.Add(line);
            }

            while (nextWrongType < wrongTypes.Count)
            {
                Report(wrongTypes[nextWrongType++]);
            }
        }
        catch (InvalidDataException e)
        {
            return (null, BadRequest(e.Message));
        }

        return (new PostedLines(source, isJson.Value, lines, summary, errors, key.Length > 0 ? key : null), null);
    }

    private static PostFailure TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body is larger than {limit} bytes ({ApiOptions.Section}:MaxTransactionBodyBytes); split it into several posts.");

    private static PostFailure BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Unreadable transactions body", detail);

    // The whole body (gunzipped when Content-Encoding is gzip), or null when it exceeds the limit.
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        var stream = request.Body;
        var gzip = request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
        await using var decoded = gzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : null;
        var input = decoded ?? stream;
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await input.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            return NotGzip;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    // true: JSON, false: CSV, null: unsupported. Without a content type the first character decides.
    private static bool? IsJson(string? contentType, string text)
    {
        if (string.IsNullOrWhiteSpace(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return text.TrimStart().FirstOrDefault() is '[' or '{';
        }

        var type = media.MediaType.ToString().ToLowerInvariant();
        if (type is "application/json" || type.EndsWith("+json", StringComparison.Ordinal))
        {
            return true;
        }

        return type is "text/csv" or "application/csv" or "text/plain" or "application/octet-stream" ? false : null;
    }

    // The body as text: a byte order mark decides (UTF-8, UTF-16), else the charset parameter (UTF-8 by default;
    // ISO-8859-1 and UTF-16 are understood). Invalid bytes are an error, never silently replaced.
    private static (string? Text, PostFailure? Failure) Decode(byte[] body, string? contentType)
    {
        var span = body.AsSpan();
        Encoding encoding;
        if (span.StartsWith(Encoding.UTF8.Preamble))
        {
            encoding = StrictUtf8;
            span = span[Encoding.UTF8.Preamble.Length..];
        }
        else if (span.StartsWith(Encoding.Unicode.Preamble) || span.StartsWith(Encoding.BigEndianUnicode.Preamble))
        {
            encoding = StrictUtf16(bigEndian: span[0] == 0xFE);
            span = span[2..];
        }
        else
        {
            var charset = MediaTypeHeaderValue.TryParse(contentType, out var media) ? media.Charset.ToString().Trim('"').ToLowerInvariant() : string.Empty;
            Encoding? declared = charset switch
            {
                "" or "utf-8" or "utf8" or "us-ascii" => StrictUtf8,
                "iso-8859-1" or "latin1" or "latin-1" => Encoding.Latin1,
                "utf-16" or "utf-16le" => StrictUtf16(bigEndian: false),
                "utf-16be" => StrictUtf16(bigEndian: true),
                _ => null,
            };
            if (declared is null)
            {
                return (null, new PostFailure(StatusCodes.Status415UnsupportedMediaType, "Unsupported charset",
                    $"charset '{charset}' is not supported: send UTF-8 (or declare iso-8859-1 or utf-16)."));
            }

            encoding = declared;
        }

        try
        {
            return (encoding.GetString(span), null);
        }
        catch (DecoderFallbackException e)
        {
            var offset = encoding is UTF8Encoding ? FirstInvalidUtf8(span) : Math.Max(e.Index, 0);
            return (null, BadRequest(
                $"The body is not valid {encoding.WebName}: invalid bytes near byte {offset} (line {LineOf(span, offset)}). " +
                "Send UTF-8, or declare the encoding, e.g. Content-Type: text/csv; charset=iso-8859-1."));
        }
    }

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static Encoding StrictUtf16(bool bigEndian) => new UnicodeEncoding(bigEndian, byteOrderMark: false, throwOnInvalidBytes: true);

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = stackalloc char[1024];
        var offset = 0;
        while (true)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(bytes[offset..], chars, out var read, out _, replaceInvalidSequences: false);
            offset += read;
            if (status != OperationStatus.DestinationTooSmall)
            {
                return offset;
            }
        }
    }

    private static long LineOf(ReadOnlySpan<byte> body, int offset) => body[..Math.Clamp(offset, 0, body.Length)].Count((byte)'\n') + 1L;

    // A JSON array of objects → CSV with the required header; each field quoted, newlines flattened so item i stays line i + 2.
    // An item with a value of the wrong JSON type (true, an object or an array where text or a number belongs) is
    // rejected here on that field and stays a blank line for the reader.
    private static (string? Csv, IReadOnlyList<LineRejection>? WrongTypes, string? Error) JsonToCsv(string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            return (null, null, $"The body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return (null, null, "The JSON body must be an array of objects with the Online Retail field names (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country).");
            }

            var columns = OnlineRetailReader.RequiredColumns;
            var csv = new StringBuilder(body.Length + 64);
            csv.AppendJoin(',', columns).Append('\n');
            var wrongTypes = new List<LineRejection>();
            var values = new string[columns.Length];
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    return (null, null, $"Item {index} of the JSON array is {item.ValueKind}, not an object.");
                }

                var wrongType = WrongType(item, index + 2L, columns, values);
                if (wrongType is not null)
                {
                    wrongTypes.Add(wrongType);
                }
                else
                {
                    for (var c = 0; c < columns.Length; c++)
                    {
                        csv.Append(c > 0 ? ",\"" : "\"").Append(values[c].Replace("\"", "\"\"", StringComparison.Ordinal).Replace('\r', ' ').Replace('\n', ' ')).Append('"');
                    }
                }

                csv.Append('\n');
                index++;
            }

            return (csv.ToString(), wrongTypes, null);
        }
    }

    // Fills values (by column) from the item's properties; the first property of a wrong type is the item's rejection.
    private static LineRejection? WrongType(JsonElement item, long lineNumber, string[] columns, string[] values)
    {
        for (var c = 0; c < columns.Length; c++)
        {
            var value = Property(item, columns[c]);
            switch (value?.ValueKind)
            {
                case null or JsonValueKind.Null or JsonValueKind.Undefined:
                    values[c] = string.Empty;
                    break;
                case JsonValueKind.String:
                    values[c] = value.Value.GetString() ?? string.Empty;
                    break;
                case JsonValueKind.Number:
                    values[c] = value.Value.GetRawText();
                    break;
                default:
                    return new LineRejection(lineNumber, ReasonFor(columns[c]), columns[c], $"a JSON {value.Value.ValueKind.ToString().ToLowerInvariant()} is not a string or a number");
            }
        }

        return null;
    }

    private static RejectReason ReasonFor(string column) => column switch
    {
        "InvoiceNo" => RejectReason.InvalidInvoiceNo,
        "StockCode" => RejectReason.InvalidStockCode,
        "Quantity" => RejectReason.InvalidQuantity,
        "InvoiceDate" => RejectReason.InvalidInvoiceDate,
        "UnitPrice" => RejectReason.InvalidUnitPrice,
        "CustomerID" => RejectReason.InvalidCustomerId,
        _ => RejectReason.MalformedRow, // Description, Country: no reason of their own
    };

    private static JsonElement? Property(JsonElement item, string name)
    {
        foreach (var property in item.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }
}
