using System.Globalization;

namespace Insiders.Benchmarks;

/// <summary>The process's resident memory from /proc/self/status (Linux) and the GC's view of the managed heap.</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in bytes since start or the last <see cref="ResetPeak"/>.</summary>
    public static long PeakBytes => Read("VmHWM:");

    /// <summary>Current resident set size (VmRSS) in bytes.</summary>
    public static long CurrentBytes => Read("VmRSS:");

    /// <summary>Resets VmHWM to the current RSS (writes 5 to /proc/self/clear_refs); false where that is not possible.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Largest managed heap size the GC reported over its recent collections, in bytes.</summary>
    public static long GcPeakHeapBytes()
    {
        long peak = 0;
        foreach (var kind in new[] { GCKind.Ephemeral, GCKind.FullBlocking, GCKind.Background })
        {
            var info = GC.GetGCMemoryInfo(kind);
            peak = Math.Max(peak, Math.Max(info.HeapSizeBytes, info.GenerationInfo.ToArray().Sum(g => g.SizeBeforeBytes)));
        }

        return peak;
    }

    public static string Gb(long bytes) => (bytes / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " GB";

    private static long Read(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var kb = line[key.Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
