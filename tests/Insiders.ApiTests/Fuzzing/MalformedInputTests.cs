using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Insiders.Silo.Api.Contracts;

namespace Insiders.Tests.Fuzzing;

/// <summary>
/// Generated good and malformed input through <c>POST /api/transactions</c>: every bad line is rejected with its line
/// number (item index for JSON), reason and field as the generator decided; good lines in the same body are kept and
/// the customers' features equal a batch recompute of exactly the good lines; body-level faults are ProblemDetails
/// 400/413/415 that apply nothing; never a 500, and the host serves afterwards.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class MalformedInputTests(FuzzFixture host)
{
    private const int CsvBodies = 70;
    private const int JsonBodies = 45;
    private const int BodyFaults = 80;

    private static readonly string[] Customers =
        [.. Enumerable.Range(0, 24).Select(i => (71_000 + i).ToString(CultureInfo.InvariantCulture)), .. Enumerable.Range(0, 12).Select(i => $"Fz-{i}_a.b")];

    [Fact]
    public async Task Post_GeneratedBodiesMixingGoodAndBadLines_EachBadLineRejectedAsGenerated_GoodLinesApplied()
    {
        var seed = FuzzSeed.Announce(nameof(MalformedInputTests));
        var generator = new MalformedInputGenerator(seed, Customers);
        var random = generator.Random;
        var good = new List<BatchRecompute.Row>();
        var cases = 0;
        var byKind = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var b = 0; b < CsvBodies + JsonBodies; b++)
        {
            var json = b >= CsvBodies;
            var lines = Enumerable.Range(0, random.Next(1, 26)).Select(_ => json ? generator.NextJsonLine() : generator.NextCsvLine()).ToList();
            var (text, numbers) = json ? (generator.Json(lines), Enumerable.Range(0, lines.Count).Select(i => (long)i).ToArray()) : generator.Csv(lines);
            var (bytes, contentType, encoding, transport) = Transport(random, text, json);
            var what = $"seed {seed} body {b} ({(json ? "json" : "csv")}, {transport})";

            using var response = await FuzzFixture.PostBytesAsync(host.Client, bytes, contentType, $"fuzz-{seed}-{b}", encoding);
            var result = await FuzzFixture.ReadIngestAsync(response, what);

            var expected = lines.Select((l, i) => (Line: l, At: numbers[i])).Where(x => !x.Line.IsGood).Select(x => $"{x.At} {x.Line.Reason} {x.Line.Field}").ToList();
            var actual = result.Errors.Select(e => $"{(json ? e.Item : e.Line)} {e.Reason} {e.Field}").ToList();
            Assert.True(expected.SequenceEqual(actual) && lines.Count == result.Lines,
                $"{what}:\nlines\n  {string.Join("\n  ", lines.Select((l, i) => $"{numbers[i]}: {l}"))}\nexpected\n  {string.Join("\n  ", expected)}\n" +
                $"actual ({result.Lines} lines)\n  {string.Join("\n  ", result.Errors.Select(e => $"{(json ? e.Item : e.Line)} {e.Reason} {e.Field}: {e.Message}"))}\nbody\n{text}");
            Assert.Equal(json ? "json" : "csv", result.Format);
            Assert.Equal((lines.Count(l => l.IsGood), 0), (result.Accepted, result.Duplicates));
            Assert.False(result.ErrorsTruncated);
            Assert.Equal(
                lines.Where(l => !l.IsGood).GroupBy(l => l.Reason!).ToDictionary(g => g.Key, g => (long)g.Count()).OrderBy(kv => kv.Key),
                result.RejectedByReason.OrderBy(kv => kv.Key));

            good.AddRange(lines.Where(l => l.IsGood).Select(l => l.Good!));
            cases += lines.Count;
            foreach (var line in lines)
            {
                byKind[line.Kind] = byKind.GetValueOrDefault(line.Kind) + 1;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{cases} generated lines in {CsvBodies + JsonBodies} bodies, {good.Count} good; kinds: " +
            string.Join(", ", byKind.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}")));
        Assert.True(cases >= 500, $"only {cases} cases");

        await FuzzFixture.AssertFeaturesEqualBatchAsync(host.Client, good);
        await AssertHostServesAsync();
        await AssertExportsNotFormulaInjectableAsync();
    }

    [Fact]
    public async Task Post_GeneratedBodyLevelFaults_ProblemDetailsWithStatus_NothingApplied()
    {
        var seed = FuzzSeed.Announce(nameof(Post_GeneratedBodyLevelFaults_ProblemDetailsWithStatus_NothingApplied));
        var customers = Enumerable.Range(0, 8).Select(i => $"bodyfault-{i}").ToArray();
        var generator = new MalformedInputGenerator(seed, customers);
        var random = generator.Random;
        var kinds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var n = 0; n < BodyFaults; n++)
        {
            var lines = Enumerable.Range(0, random.Next(1, 6)).Select(_ => generator.Good()).ToList();
            var fault = BodyFault(random, generator, lines, n);
            kinds[fault.Kind] = kinds.GetValueOrDefault(fault.Kind) + 1;
            using var response = await FuzzFixture.PostBytesAsync(host.Client, fault.Body, fault.ContentType, fault.IdempotencyKey ?? $"bodyfault-{seed}-{n}", fault.ContentEncoding);
            var problem = await ApiFixture.AssertProblemAsync(response, fault.Status);
            var detail = problem.TryGetProperty("detail", out var d) ? d.GetString() ?? string.Empty : string.Empty;
            Assert.True(detail.Contains(fault.DetailContains, StringComparison.Ordinal), $"seed {seed} case {n} {fault.Kind}: detail '{detail}' lacks '{fault.DetailContains}'");
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{BodyFaults} body-level faults: " + string.Join(", ", kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}")));
        foreach (var customer in customers)
        {
            using var response = await host.Client.GetAsync($"/api/customers/{customer}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        await AssertHostServesAsync();
    }

    private sealed record Fault(string Kind, byte[] Body, string? ContentType, int Status, string DetailContains, string? ContentEncoding = null, string? IdempotencyKey = null);

    private static Fault BodyFault(Random random, MalformedInputGenerator generator, List<LineCase> lines, int n)
    {
        var csv = generator.Csv(lines).Text;
        var json = generator.Json(lines);
        byte[] U(string s) => Encoding.UTF8.GetBytes(s);
        switch (random.Next(16))
        {
            case 0:
                return new("empty", [], Pick(random, "text/csv", "application/json", null), 400, "empty");
            case 1:
                {
                    var missing = LineCase.Columns[random.Next(LineCase.Columns.Length)];
                    var header = string.Join(',', LineCase.Columns.Where(c => c != missing));
                    return new("header lacks " + missing, U(header + "\n" + csv[(csv.IndexOfAny(['\r', '\n']) + 1)..]), "text/csv", 400, $"header lacks column '{missing}'");
                }

            case 2:
                return new("whitespace body", U(Pick(random, "   ", "\n\n", " \r\n ")), "text/csv", 400, "header lacks column");
            case 3:
                return new("json not an array", U(Pick(random, "{\"InvoiceNo\":\"1\"}", "42", "\"lines\"", "null", "true")), "application/json", 400, "must be an array");
            case 4:
                return new("json item not an object", U(json[..^2] + ", " + Pick(random, "5", "\"x\"", "[1]", "null") + "]"), "application/json", 400, $"Item {lines.Count} ");
            case 5:
                return new("json truncated", U(json[..random.Next(1, json.Length - 1)]), "application/json", 400, "not valid JSON");
            case 6:
                return new("json NaN literal", U("[{\"InvoiceNo\":\"1\",\"UnitPrice\":" + Pick(random, "NaN", "Infinity", "-Infinity") + "}]"), "application/json", 400, "not valid JSON");
            case 7:
                {
                    // Invalid UTF-8 (a lone continuation byte, an overlong form, a truncated sequence) in one line.
                    var at = random.Next(lines.Count);
                    var rows = csv.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
                    var bad = new List<byte>();
                    for (var i = 0; i < rows.Length; i++)
                    {
                        bad.AddRange(U(i == at + 1 ? "X" : rows[i]));
                        if (i == at + 1)
                        {
                            bad.AddRange(Pick(random, new byte[] { 0x80 }, [0xC0, 0xAF], [0xE2, 0x82], [0xFF]));
                        }

                        bad.Add((byte)'\n');
                    }

                    return new("invalid utf-8", [.. bad], "text/csv", 400, $"(line {at + 2})");
                }

            case 8:
                return new("latin-1 undeclared", Encoding.Latin1.GetBytes(csv.Replace("United Kingdom", "Côte d'Ivoire", StringComparison.Ordinal) + "\n1,2,Ô,3,2011-01-01,1,bodyfault-0,Côte\n"), "text/csv", 400, "not valid utf-8");
            case 9:
                return new("unsupported charset", U(csv), "text/csv; charset=" + Pick(random, "ebcdic-cp-us", "shift_jis", "utf-7"), 415, "charset");
            case 10:
                return new("unsupported media type", U(csv), Pick(random, "application/xml", "text/html", "image/png", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded"), 415, string.Empty);
            case 11:
                {
                    var big = new StringBuilder(csv.Length * 2);
                    while (big.Length <= FuzzFixture.MaxBodyBytes)
                    {
                        big.Append(csv);
                    }

                    return new("oversize", U(big.ToString()), "text/csv", 413, "larger than");
                }

            case 12:
                {
                    // A small gzip body that inflates past the limit.
                    using var packed = new MemoryStream();
                    using (var gz = new GZipStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
                    {
                        gz.Write(U(csv));
                        gz.Write(new byte[(int)FuzzFixture.MaxBodyBytes + 1]);
                    }

                    return new("gzip bomb", packed.ToArray(), "text/csv", 413, "larger than", "gzip");
                }

            case 13:
                return new("gzip announced, plain body", U(csv), "text/csv", 400, "not valid gzip", "gzip");
            case 14:
                return new("utf-16 json without bom or charset", Encoding.Unicode.GetBytes(json), "application/json", 400, "not valid JSON");
            default:
                return new("idempotency key too long", U(csv), "text/csv", 400, "Idempotency-Key", IdempotencyKey: new string('k', 201) + n.ToString(CultureInfo.InvariantCulture));
        }
    }

    // How a valid body travels: UTF-8 (with or without BOM), UTF-16 LE/BE with BOM, UTF-16 or Latin-1 by charset, gzip,
    // with or without a Content-Type.
    private static (byte[] Body, string? ContentType, string? Encoding, string Name) Transport(Random random, string text, bool json)
    {
        // The endpoint accepts text/csv and application/json (other types are 415 before the handler runs).
        var type = json ? Pick(random, "application/json", "application/json; charset=utf-8") : Pick(random, "text/csv", "text/csv; charset=utf-8");
        switch (random.Next(10))
        {
            case 0:
                return ([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(text)], type, null, "utf-8 bom");
            case 1:
                return ([.. Encoding.Unicode.Preamble, .. Encoding.Unicode.GetBytes(text)], type, null, "utf-16le bom");
            case 2:
                return ([.. Encoding.BigEndianUnicode.Preamble, .. Encoding.BigEndianUnicode.GetBytes(text)], type, null, "utf-16be bom");
            case 3:
                return (Encoding.Unicode.GetBytes(text), (json ? "application/json" : "text/csv") + "; charset=utf-16", null, "utf-16 charset");
            case 4 when text.All(c => c <= '\u00FF'):
                return (Encoding.Latin1.GetBytes(text), (json ? "application/json" : "text/csv") + "; charset=ISO-8859-1", null, "latin-1 charset");
            case 5:
                {
                    using var packed = new MemoryStream();
                    using (var gz = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gz.Write(Encoding.UTF8.GetBytes(text));
                    }

                    return (packed.ToArray(), type, "gzip", "gzip");
                }

            case 6:
                return (Encoding.UTF8.GetBytes(text), null, null, "no content type");
            default:
                return (Encoding.UTF8.GetBytes(text), type, null, "utf-8");
        }
    }

    private static T Pick<T>(Random random, params T[] items) => items[random.Next(items.Length)];

    private async Task AssertHostServesAsync()
    {
        var customer = "after-" + Guid.NewGuid().ToString("N")[..12];
        using var post = await host.Client.PostAsync("/api/transactions", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        using var response = await FuzzFixture.PostBytesAsync(host.Client, Encoding.UTF8.GetBytes(ApiFixture.Csv($"990001,85123A,x,2,2011-02-01 10:00:00,1.50,{customer},France")), "text/csv", null);
        var result = await FuzzFixture.ReadIngestAsync(response, "post after the fuzzing");
        Assert.Equal(1, result.Accepted);
        var status = await host.Client.GetFromJsonAsync<CustomerDto>($"/api/customers/{customer}", ApiFixture.Json, TestContext.Current.CancellationToken);
        Assert.Equal(3m, status!.Features!.GrossRevenue);
    }

    // No customer id in the lists or in the Insiders CSV download starts like a spreadsheet formula.
    private async Task AssertExportsNotFormulaInjectableAsync()
    {
        using var retrain = new HttpRequestMessage(HttpMethod.Post, "/api/model/retrain");
        retrain.Headers.Add("X-Api-Key", InsidersHostFactory.AdminKey);
        using var trained = await host.Client.SendAsync(retrain, TestContext.Current.CancellationToken);
        Assert.True(trained.IsSuccessStatusCode, $"retrain: {(int)trained.StatusCode} {await trained.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");

        var page = await host.Client.GetFromJsonAsync<CustomerPageDto>("/api/customers?pageSize=1000", ApiFixture.Json, TestContext.Current.CancellationToken);
        Assert.NotEmpty(page!.Items);
        Assert.All(page.Items, c => Assert.True(char.IsAsciiLetterOrDigit(c.CustomerId[0]), $"customer id '{c.CustomerId}'"));

        var csv = await host.Client.GetStringAsync("/api/insiders?format=csv", TestContext.Current.CancellationToken);
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Insiders.Features.FeatureCsv.Header, rows[0]);
        Assert.True(rows.Length > 1, "the retrain made some Insiders");
        Assert.All(rows.Skip(1), row =>
        {
            Assert.Equal(16, row.Split(',').Length);
            Assert.False("=+-@\t\r\"".Contains(row[0], StringComparison.Ordinal), row);
        });
    }
}
