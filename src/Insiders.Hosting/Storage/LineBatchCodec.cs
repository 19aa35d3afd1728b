using System.Text;
using Insiders.Transactions;

namespace Insiders.Storage;

/// <summary>
/// Binary form of a batch of lines as the journal stores it: one row per ingestion batch instead of one per line keeps
/// the acknowledgment path at the speed of one sequential write. Strings are interned per batch (customers, invoices,
/// stock codes and countries repeat), numbers are fixed width; a version byte leads so the format can evolve.
/// </summary>
public static class LineBatchCodec
{
    private const byte Version = 1;

    public static byte[] Encode(IReadOnlyList<TransactionLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        using var stream = new MemoryStream(lines.Count * 40 + 16);
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            var strings = new Dictionary<string, int>(StringComparer.Ordinal);
            writer.Write(Version);
            writer.Write7BitEncodedInt(lines.Count);
            foreach (var line in lines)
            {
                writer.Write(line.LineId);
                WriteString(writer, strings, line.InvoiceNo);
                WriteString(writer, strings, line.StockCode);
                writer.Write(line.Quantity);
                writer.Write(line.InvoiceDate.Ticks);
                writer.Write(line.UnitPrice);
                WriteString(writer, strings, line.CustomerId);
                WriteString(writer, strings, line.Country);
            }
        }

        return stream.ToArray();
    }

    public static TransactionLine[] Decode(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"Journal batch format version {version} is not supported (expected {Version}).");
        }

        var count = reader.Read7BitEncodedInt();
        var strings = new List<string>();
        var lines = new TransactionLine[count];
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadUInt64();
            var invoice = ReadString(reader, strings);
            var stock = ReadString(reader, strings);
            var quantity = reader.ReadInt32();
            var date = new DateTime(reader.ReadInt64(), DateTimeKind.Unspecified);
            var price = reader.ReadDecimal();
            var customer = ReadString(reader, strings);
            var country = ReadString(reader, strings);
            lines[i] = new TransactionLine(id, invoice, stock, quantity, date, price, customer, country);
        }

        return lines;
    }

    // A string is written once as (0, text) and afterwards as its 1-based index in the batch's table.
    private static void WriteString(BinaryWriter writer, Dictionary<string, int> strings, string value)
    {
        if (strings.TryGetValue(value, out var index))
        {
            writer.Write7BitEncodedInt(index);
            return;
        }

        strings[value] = strings.Count + 1;
        writer.Write7BitEncodedInt(0);
        writer.Write(value);
    }

    private static string ReadString(BinaryReader reader, List<string> strings)
    {
        var index = reader.Read7BitEncodedInt();
        if (index == 0)
        {
            var value = reader.ReadString();
            strings.Add(value);
            return value;
        }

        return index <= strings.Count
            ? strings[index - 1]
            : throw new InvalidDataException($"Journal batch refers to string {index} of {strings.Count}.");
    }
}
