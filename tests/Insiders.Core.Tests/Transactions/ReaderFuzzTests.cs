using System.IO.Compression;
using System.Text;
using Insiders.Tests;
using Insiders.Transactions;

namespace Insiders.Core.Tests.Transactions;

/// <summary>
/// Random mutations of real lines of the shared file (seeded; INSIDERS_FUZZ_SEED overrides): the reader never
/// throws, and every line comes out either accepted or rejected with a reason, at its own line number.
/// </summary>
public sealed class ReaderFuzzTests
{
    private const int Lines = 4_000;
    private const string Sentinel = "999999,85123A,SENTINEL,1,2011-01-01 10:00:00,1.00,12345,United Kingdom";

    private static readonly string[] Nasty =
    [
        "NaN", "Infinity", "1e400", "-0", "", " ", "99999999999", "-2147483648", "2011-02-30 10:00:00", "0001-01-01 00:00:00",
        "\"", "\"\"", "\"x", "x\"", "=1+1", "-A1", "1,5", new string('9', 70), "\0", "\uFEFF", "\uD800", "Ω", "\t", "'; DROP TABLE x;--",
    ];

    private static readonly char[] Alphabet = ['"', ',', ' ', '\t', '\0', '\uFEFF', '\uFFFD', '-', '.', 'e', '9', '\'', ';', '=', 'é', '\uDC00'];

    private static readonly Lazy<string[]> RealLines = new(() =>
    {
        using var gz = new GZipStream(File.OpenRead(TestData.SixMonths), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        _ = reader.ReadLine(); // header
        return [.. Enumerable.Range(0, Lines).Select(_ => reader.ReadLine()!)];
    });

    [Fact]
    public void Read_EachMutatedLineAlone_ExactlyOneOutcomeAtItsLine_SentinelAfterItAccepted()
    {
        var random = new Random(FuzzSeed.Announce(nameof(ReaderFuzzTests)));
        var header = string.Join(',', OnlineRetailReader.RequiredColumns);
        var reasons = new Dictionary<RejectReason, int>();
        var accepted = 0;
        foreach (var line in RealLines.Value)
        {
            var mutated = Mutate(random, line);
            var summary = new IngestSummary();
            var rejected = new List<LineRejection>();

            var lines = new OnlineRetailReader("fuzz").Read(new StringReader(header + "\n" + mutated + "\n" + Sentinel + "\n"), summary, rejected.Add).ToList();

            var because = $"mutated line: {Escape(mutated)}";
            if (mutated.Length == 0)
            {
                Assert.True(summary.Total == 1 && lines.Single().InvoiceNo == "999999", because); // a blank line carries no data
                continue;
            }

            var sentinel = Assert.Single(lines, l => l.InvoiceNo == "999999");
            Assert.Equal(LineIdentity.For("fuzz", 3), sentinel.LineId);
            Assert.True(summary.Total == 2, because);
            Assert.True(summary.Accepted + summary.Rejected == 2, because);
            if (rejected.Count == 1)
            {
                var r = rejected[0];
                Assert.True(r.LineNumber == 2, because);
                Assert.True(r.Reason == RejectReason.MalformedRow ? r.Field is null : OnlineRetailReader.RequiredColumns.Contains(r.Field), $"{because}: {r}");
                Assert.False(string.IsNullOrWhiteSpace(r.Message));
                reasons[r.Reason] = reasons.GetValueOrDefault(r.Reason) + 1;
            }
            else
            {
                Assert.True(lines.Count == 2 && lines[0].LineId == LineIdentity.For("fuzz", 2), because);
                accepted++;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{Lines} mutated lines: {accepted} accepted; rejected " + string.Join(", ", reasons.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}")));
        Assert.True(reasons.Count >= 8, "the mutations reach most reasons");
    }

    [Fact]
    public void Read_WholeMutatedFile_NeverThrows_OutcomesUniqueAndInLineOrder()
    {
        var random = new Random(FuzzSeed.Value + 1);
        var text = new StringBuilder(string.Join(',', OnlineRetailReader.RequiredColumns)).Append('\n');
        foreach (var line in RealLines.Value)
        {
            text.Append(random.Next(3) == 0 ? Mutate(random, line) : line).Append(random.Next(3) switch { 0 => "\r\n", 1 => "\r", _ => "\n" });
        }

        var summary = new IngestSummary();
        var rejected = new List<LineRejection>();
        var accepted = new OnlineRetailReader("fuzz-file").Read(new StringReader(text.ToString()), summary, rejected.Add).ToList();

        var byId = Enumerable.Range(2, Lines + 1).ToDictionary(n => LineIdentity.For("fuzz-file", n), n => (long)n);
        var starts = accepted.Select(l => byId[l.LineId]).Concat(rejected.Select(r => r.LineNumber)).Order().ToList();
        Assert.Equal(starts.Count, starts.Distinct().Count());
        Assert.All(starts, n => Assert.InRange(n, 2, Lines + 1));
        Assert.Equal(summary.Total, starts.Count);
        Assert.Equal(summary.Accepted, accepted.Count);
        Assert.InRange(summary.Total, Lines - 100, Lines); // only a well-formed record spanning lines takes several
        Assert.True(rejected.Count > Lines / 10);
    }

    private static string Mutate(Random random, string line)
    {
        var text = line;
        for (var m = random.Next(1, 4); m > 0; m--)
        {
            var fields = text.Split(',').ToList();
            switch (random.Next(7))
            {
                case 0 when text.Length > 0:
                    text = text.Remove(random.Next(text.Length), 1);
                    break;
                case 1:
                    text = text.Insert(random.Next(text.Length + 1), Alphabet[random.Next(Alphabet.Length)].ToString());
                    break;
                case 2 when text.Length > 0:
                    {
                        var at = random.Next(text.Length);
                        text = text[..at] + Alphabet[random.Next(Alphabet.Length)] + text[(at + 1)..];
                        break;
                    }

                case 3:
                    fields[random.Next(fields.Count)] = Nasty[random.Next(Nasty.Length)];
                    text = string.Join(',', fields);
                    break;
                case 4:
                    fields.Insert(random.Next(fields.Count + 1), fields[random.Next(fields.Count)]);
                    text = string.Join(',', fields);
                    break;
                case 5 when fields.Count > 1:
                    {
                        int a = random.Next(fields.Count), b = random.Next(fields.Count);
                        (fields[a], fields[b]) = (fields[b], fields[a]);
                        text = string.Join(',', fields);
                        break;
                    }

                default:
                    text = text[..random.Next(text.Length + 1)];
                    break;
            }
        }

        return text;
    }

    private static string Escape(string s) => string.Concat(s.Select(c => char.IsControl(c) || char.IsSurrogate(c) || c == '\uFEFF' ? $"\\u{(int)c:X4}" : c.ToString()));
}
