using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Insiders.Benchmarks;

/// <summary>
/// What this process allocates, by type: the runtime's sampled allocation ticks (one event about every 100 KB
/// allocated, naming the type of the object that crossed the mark), summed per type. Written when disposed, largest
/// first, for <c>--alloc-log FILE</c>. A sample, not an exact count: types allocated often in large amounts dominate it
/// the way they dominate the GC's work, and the runtime drops events under load, so the sums undercount (the
/// benchmark's "allocated per line" column is the exact total).
/// </summary>
internal sealed class AllocationLog(string path) : EventListener
{
    private const int GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private readonly string _path = path;
    private long _allocatedAtStart = GC.GetTotalAllocatedBytes();

    /// <summary>Forgets what was counted so far (e.g. the set-up before the measured runs).</summary>
    public void Reset()
    {
        _bytes.Clear();
        _allocatedAtStart = GC.GetTotalAllocatedBytes();
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null)
        {
            return;
        }

        var type = e.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? e.Payload![t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0
            ? Convert.ToInt64(e.Payload![a], CultureInfo.InvariantCulture)
            : Convert.ToInt64(e.Payload![0], CultureInfo.InvariantCulture);
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    public override void Dispose()
    {
        base.Dispose();
        var total = Math.Max(1, _bytes.Values.Sum());
        using var writer = new StreamWriter(_path);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# allocated while listening: {(GC.GetTotalAllocatedBytes() - _allocatedAtStart) / 1e6:0.0} MB; sampled by type below"));
        writer.WriteLine("mb\tshare\ttype");
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(60))
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0}\t{bytes * 100.0 / total:0.0}%\t{type}"));
        }
    }
}
