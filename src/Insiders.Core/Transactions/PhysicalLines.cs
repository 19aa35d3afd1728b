namespace Insiders.Transactions;

/// <summary>
/// The physical lines of a <see cref="TextReader"/> with their 1-based numbers, where the continuation lines of the
/// current record can be handed out again (read as records of their own after the record was rejected).
/// </summary>
internal sealed class PhysicalLines(TextReader reader)
{
    // Lines handed out since the record started; _next of them are consumed (fewer after RereadContinuation).
    private readonly List<string> _record = [];
    private int _next;

    /// <summary>The number of the line last returned by <see cref="Next"/>.</summary>
    public long Number { get; private set; }

    /// <summary>Marks the start of a record: lines before it are never read again.</summary>
    public void StartRecord()
    {
        _record.RemoveRange(0, _next);
        _next = 0;
    }

    public string? Next()
    {
        string? line;
        if (_next < _record.Count)
        {
            line = _record[_next];
        }
        else
        {
            line = reader.ReadLine();
            if (line is null)
            {
                return null;
            }

            _record.Add(line);
        }

        _next++;
        Number++;
        return line;
    }

    /// <summary>Hands out every line of the current record after its first again.</summary>
    public void RereadContinuation()
    {
        Number -= _next - 1;
        _next = 1;
    }
}
