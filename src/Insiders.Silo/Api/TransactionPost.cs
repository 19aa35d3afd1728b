using System.Buffers;
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
internal sealed record PostedLines(string Source, bool IsJson, IReadOnlyList<TransactionLine> Lines, IngestSummary Summary, IReadOnlyList<LineRejection> Errors);

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

        if (body.Length == 0)
        {
            return (null, BadRequest("The body is empty: send CSV with the Online Retail header, or a JSON array of lines."));
        }

        var source = key.Length > 0 ? "http-key:" + key : "http-sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        var isJson = IsJson(request.ContentType, body);
        if (isJson is null)
        {
            return (null, new PostFailure(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Content-Type '{request.ContentType}' is not supported: use text/csv or application/json."));
        }

        string csv;
        if (isJson.Value)
        {
            var (converted, error) = JsonToCsv(body);
            if (error is not null)
            {
                return (null, BadRequest(error));
            }

            csv = converted!;
        }
        else
        {
            csv = Decode(body);
        }

        var summary = new IngestSummary(maxExamples: 0);
        var errors = new List<LineRejection>();
        var lines = new List<TransactionLine>();
        try
        {
            var reader = new OnlineRetailReader(source);
            foreach (var line in reader.Read(new StringReader(csv), summary, r =>
            {
                if (errors.Count < options.MaxReportedErrors)
                {
                    errors.Add(r);
                }
            }))
            {
                lines.Add(line);
            }
        }
        catch (InvalidDataException e)
        {
            return (null, BadRequest(e.Message));
        }

        return (new PostedLines(source, isJson.Value, lines, summary, errors), null);
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
            return []; // not gzip after all: treated as an empty, unreadable body
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    // true: JSON, false: CSV, null: unsupported. Without a content type the first character decides.
    private static bool? IsJson(string? contentType, byte[] body)
    {
        if (string.IsNullOrWhiteSpace(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            var first = Decode(body).TrimStart().FirstOrDefault();
            return first is '[' or '{';
        }

        var type = media.MediaType.ToString().ToLowerInvariant();
        if (type is "application/json" || type.EndsWith("+json", StringComparison.Ordinal))
        {
            return true;
        }

        return type is "text/csv" or "application/csv" or "text/plain" or "application/octet-stream" ? false : null;
    }

    private static string Decode(byte[] body)
    {
        var span = body.AsSpan();
        if (span.StartsWith(Encoding.UTF8.Preamble))
        {
            span = span[Encoding.UTF8.Preamble.Length..];
        }

        return Encoding.UTF8.GetString(span);
    }

    // A JSON array of objects → CSV with the required header; each field quoted, newlines flattened so item i stays line i + 2.
    private static (string? Csv, string? Error) JsonToCsv(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            return (null, $"The body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return (null, "The JSON body must be an array of objects with the Online Retail field names (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country).");
            }

            var columns = OnlineRetailReader.RequiredColumns;
            var csv = new StringBuilder(body.Length + 64);
            csv.AppendJoin(',', columns).Append('\n');
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    return (null, $"Item {index} of the JSON array is {item.ValueKind}, not an object.");
                }

                for (var c = 0; c < columns.Length; c++)
                {
                    if (c > 0)
                    {
                        csv.Append(',');
                    }

                    var value = Field(item, columns[c]);
                    csv.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal).Replace('\r', ' ').Replace('\n', ' ')).Append('"');
                }

                csv.Append('\n');
                index++;
            }

            return (csv.ToString(), null);
        }
    }

    private static string Field(JsonElement item, string name)
    {
        foreach (var property in item.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString() ?? string.Empty,
                    JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
                    _ => property.Value.GetRawText(),
                };
            }
        }

        return string.Empty;
    }
}
