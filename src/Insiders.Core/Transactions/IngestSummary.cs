namespace Insiders.Transactions;

/// <summary>Counts of accepted and rejected lines, by reason, plus the first few rejections in full.</summary>
public sealed class IngestSummary
{
    private readonly long[] _rejected = new long[Enum.GetValues<RejectReason>().Length];
    private readonly List<LineRejection> _examples = [];

    public IngestSummary(int maxExamples = 20) => MaxExamples = maxExamples;

    public int MaxExamples { get; }

    public long Accepted { get; private set; }

    public long Rejected => _rejected.Sum();

    public long Total => Accepted + Rejected;

    /// <summary>The first <see cref="MaxExamples"/> rejections, with line number, field and reason.</summary>
    public IReadOnlyList<LineRejection> Examples => _examples;

    public long RejectedFor(RejectReason reason) => _rejected[(int)reason];

    public IEnumerable<KeyValuePair<RejectReason, long>> RejectedByReason =>
        Enum.GetValues<RejectReason>().Where(r => _rejected[(int)r] > 0).Select(r => KeyValuePair.Create(r, _rejected[(int)r]));

    public void CountAccepted(long count = 1) => Accepted += count;

    public void CountRejected(LineRejection rejection)
    {
        _rejected[(int)rejection.Reason]++;
        if (_examples.Count < MaxExamples)
        {
            _examples.Add(rejection);
        }
    }

    public void Add(IngestSummary other)
    {
        Accepted += other.Accepted;
        for (var i = 0; i < _rejected.Length; i++)
        {
            _rejected[i] += other._rejected[i];
        }

        foreach (var example in other._examples)
        {
            if (_examples.Count >= MaxExamples)
            {
                break;
            }

            _examples.Add(example);
        }
    }
}
