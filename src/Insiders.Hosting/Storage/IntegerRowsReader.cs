using System.Collections;
using System.Data.Common;

namespace Insiders.Storage;

/// <summary>
/// A forward-only reader over one result set of one nullable integer column, already read: what a group-committed
/// query returns to its caller (see <see cref="GroupCommittedQueries"/>). Holds no resources.
/// </summary>
internal sealed class IntegerRowsReader(string column, IReadOnlyList<int?> rows) : DbDataReader
{
    private int _row = -1;
    private bool _closed;

    public override int FieldCount => 1;

    public override int RecordsAffected => rows.Count;

    public override bool HasRows => rows.Count > 0;

    public override bool IsClosed => _closed;

    public override int Depth => 0;

    public override object this[int ordinal] => GetValue(ordinal);

    public override object this[string name] => GetValue(GetOrdinal(name));

    public override bool Read() => ++_row < rows.Count;

    public override bool NextResult()
    {
        _row = rows.Count;
        return false;
    }

    public override void Close() => _closed = true;

    public override string GetName(int ordinal) => ordinal == 0 ? column : throw new IndexOutOfRangeException($"Column {ordinal} does not exist.");

    public override int GetOrdinal(string name) =>
        string.Equals(name, column, StringComparison.OrdinalIgnoreCase) ? 0 : throw new IndexOutOfRangeException($"Column {name} does not exist (the result has {column}).");

    public override Type GetFieldType(int ordinal) => ordinal == 0 ? typeof(int) : throw new IndexOutOfRangeException($"Column {ordinal} does not exist.");

    public override string GetDataTypeName(int ordinal) => GetFieldType(ordinal).Name;

    public override bool IsDBNull(int ordinal) => Current(ordinal) is null;

    public override object GetValue(int ordinal) => Current(ordinal) is { } value ? value : DBNull.Value;

    public override int GetValues(object[] values)
    {
        values[0] = GetValue(0);
        return 1;
    }

    public override int GetInt32(int ordinal) => Current(ordinal) ?? throw new InvalidCastException($"{column} is null in this row.");

    public override long GetInt64(int ordinal) => GetInt32(ordinal);

    public override short GetInt16(int ordinal) => checked((short)GetInt32(ordinal));

    public override decimal GetDecimal(int ordinal) => GetInt32(ordinal);

    public override double GetDouble(int ordinal) => GetInt32(ordinal);

    public override float GetFloat(int ordinal) => GetInt32(ordinal);

    public override bool GetBoolean(int ordinal) => GetInt32(ordinal) != 0;

    public override byte GetByte(int ordinal) => checked((byte)GetInt32(ordinal));

    public override string GetString(int ordinal) => GetInt32(ordinal).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override char GetChar(int ordinal) => throw NotInteger(nameof(Char));

    public override DateTime GetDateTime(int ordinal) => throw NotInteger(nameof(DateTime));

    public override Guid GetGuid(int ordinal) => throw NotInteger(nameof(Guid));

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => throw NotInteger("bytes");

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) => throw NotInteger("chars");

    public override IEnumerator GetEnumerator() => new DbEnumerator(this);

    private int? Current(int ordinal)
    {
        if (ordinal != 0)
        {
            throw new IndexOutOfRangeException($"Column {ordinal} does not exist.");
        }

        return _row >= 0 && _row < rows.Count ? rows[_row] : throw new InvalidOperationException("No current row.");
    }

    private InvalidCastException NotInteger(string type) => new($"{column} is an integer column, not {type}.");
}
