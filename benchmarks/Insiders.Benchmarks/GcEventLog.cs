using System.Diagnostics.Tracing;
using System.Globalization;

namespace Insiders.Benchmarks;

/// <summary>
/// Every garbage collection of this process as the runtime reports it (GC keyword of the runtime's event source):
/// generation, why it ran (the runtime's reason code), blocking or background, how long the runtime was suspended,
/// and the bytes it promoted. Written one line per collection to a file, for <c>--gc-log FILE</c>.
/// </summary>
internal sealed class GcEventLog : EventListener
{
    private static readonly string[] Reasons =
        ["alloc_soh", "induced", "low_memory", "empty", "alloc_loh", "oos_soh", "oos_loh", "induced_noforce", "internal", "induced_lowmem", "induced_compacting", "lowmem_host", "pm_full", "lowmem_host_blocking"];

    private static readonly string[] Types = ["blocking", "background", "foreground_in_bgc"];

    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();
    private readonly long _origin = DateTime.UtcNow.Ticks;
    private long _suspendedAt;
    private string? _pending;
    private double _suspendedFor;
    private long _phaseAt;
    private string _phases = "";
    private static readonly string[] MarkTypes = ["stack", "finq", "handles", "older", "sizedref", "overflow", "dephandles", "newfq", "steal", "bgcsteal", "other"];

    public GcEventLog(string path)
    {
        _writer = new StreamWriter(path) { AutoFlush = true };
        _writer.WriteLine("t_s\tgc\tgen\treason\ttype\tpause_ms\tsuspend_ms\tpromoted_mb\tgen2_mb\tloh_mb");
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Informational, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_lock)
        {
            switch (e.EventName)
            {
                case "GCSuspendEEBegin_V1":
                    _suspendedAt = e.TimeStamp.Ticks;
                    break;
                case "GCSuspendEEEnd_V1":
                    _suspendedFor = (e.TimeStamp.Ticks - _suspendedAt) / 1e4;
                    _phaseAt = e.TimeStamp.Ticks;
                    _phases = "";
                    break;
                case "GCMarkWithType":
                    _phases += string.Create(CultureInfo.InvariantCulture, $" {MarkTypes[Math.Min(MarkTypes.Length - 1, Convert.ToInt32(e.Payload![2], CultureInfo.InvariantCulture))]}:{(e.TimeStamp.Ticks - _phaseAt) / 1e4:0.0}ms/{Convert.ToDouble(e.Payload[3], CultureInfo.InvariantCulture) / 1e6:0.0}MB");
                    _phaseAt = e.TimeStamp.Ticks;
                    break;
                case "GCEnd_V1":
                    _phases += string.Create(CultureInfo.InvariantCulture, $" rest:{(e.TimeStamp.Ticks - _phaseAt) / 1e4:0.0}ms");
                    break;
                case "GCStart_V2":
                    var reason = Convert.ToInt32(e.Payload![2], CultureInfo.InvariantCulture);
                    var type = Convert.ToInt32(e.Payload[3], CultureInfo.InvariantCulture);
                    _pending = string.Create(CultureInfo.InvariantCulture,
                        $"{(e.TimeStamp.Ticks - _origin) / 1e7:0.000}\t{e.Payload[0]}\t{e.Payload[1]}\t{(reason < Reasons.Length ? Reasons[reason] : reason.ToString(CultureInfo.InvariantCulture))}\t{(type < Types.Length ? Types[type] : type.ToString(CultureInfo.InvariantCulture))}");
                    break;
                case "GCHeapStats_V2":
                    var promoted = Convert.ToDouble(e.Payload![1], CultureInfo.InvariantCulture) + Convert.ToDouble(e.Payload[3], CultureInfo.InvariantCulture) + Convert.ToDouble(e.Payload[5], CultureInfo.InvariantCulture);
                    var gen2 = Convert.ToDouble(e.Payload[4], CultureInfo.InvariantCulture);
                    var loh = Convert.ToDouble(e.Payload[6], CultureInfo.InvariantCulture);
                    _pending += string.Create(CultureInfo.InvariantCulture, $"\t{{pause}}\t{_suspendedFor:0.0}\t{promoted / 1e6:0.0}\t{gen2 / 1e6:0.0}\t{loh / 1e6:0.0}");
                    break;
                case "GCRestartEEEnd_V1":
                    if (_pending is not null)
                    {
                        var pause = (e.TimeStamp.Ticks - _suspendedAt) / 1e4;
                        _writer.WriteLine(_pending.Replace("{pause}", pause.ToString("0.0", CultureInfo.InvariantCulture), StringComparison.Ordinal) + "\t" + _phases);
                        _pending = null;
                    }

                    break;
            }
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        lock (_lock)
        {
            _writer.Dispose();
        }
    }
}
