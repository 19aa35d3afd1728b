using System.IO.Compression;
using System.Text;

namespace Insiders.Tests;

/// <summary>Slices of the shared Online Retail file as CSV text (header included), by InvoiceDate.</summary>
internal static class SharedSlice
{
    private static readonly Lazy<string[]> Lines = new(() =>
    {
        using var file = File.OpenRead(TestData.SixMonths);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        var lines = new List<string>();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lines.Add(line);
        }

        return lines.ToArray();
    });

    public static string Header => Lines.Value[0];

    /// <summary>Data lines whose InvoiceDate (yyyy-MM-dd …) is in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static string Csv(string from, string to)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var line in Lines.Value.Skip(1))
        {
            var date = DateOf(line);
            if (string.CompareOrdinal(date, from) >= 0 && string.CompareOrdinal(date, to) < 0)
            {
                sb.Append(line).Append('\n');
            }
        }

        return sb.ToString();
    }

    /// <summary>Writes <paramref name="csv"/> gzip-compressed (the form BatchRecompute reads).</summary>
    public static string WriteGz(string csv, string path)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(csv));
        return path;
    }

    // The InvoiceDate column (5th) of the shared file's lines; descriptions may be quoted and contain commas.
    private static string DateOf(string line)
    {
        var field = 0;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted && ++field == 4)
            {
                return line.Substring(i + 1, Math.Min(10, line.Length - i - 1));
            }
        }

        return string.Empty;
    }
}
