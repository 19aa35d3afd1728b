using Insiders.Customers;
using Insiders.Features;
using Insiders.Segmentation;
using Microsoft.Extensions.Options;

namespace Insiders.Silo.Api;

/// <summary>One customer in a <see cref="DirectorySnapshot"/>: features at the clock date, segment and flag.</summary>
internal sealed record DirectoryRow(CustomerHistory History, CustomerFeatures Features, int? SegmentId, bool IsInsider);

/// <summary>Every customer with purchases, from the shards' latest reports, at one clock date.</summary>
internal sealed record DirectorySnapshot(DateOnly AsOf, long ModelVersion, IReadOnlyList<DirectoryRow> Rows);

/// <summary>
/// The customer list behind the Insiders list, the insights and the customer search: all shards' reports, with
/// features computed at the clock date the way the customer grains compute them. Cached for one second (and
/// invalidated by posts and retrains), so a page refresh does not ask every shard again.
/// </summary>
internal sealed class CustomerDirectory(IGrainFactory grains, IOptions<InsidersOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DirectorySnapshot? _cached;
    private long _cachedAt;

    public void Invalidate() => Volatile.Write(ref _cached, null);

    public async Task<DirectorySnapshot> GetAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } hit)
        {
            return hit;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } again)
            {
                return again;
            }

            var pointer = await grains.GetGrain<ISegmentationCoordinatorGrain>(InsidersNames.CoordinatorKey).GetModelVersion();
            var reports = await grains.AllReportsAsync(options.Value.Shards);
            var rows = new List<DirectoryRow>(reports.Length);
            foreach (var r in reports)
            {
                // As the customer grain does: the clock date, or the customer's own last activity if later.
                var asOf = r.History.LastActivity is { } last && last > pointer.Clock ? last : pointer.Clock;
                if (r.History.FeaturesAt(asOf) is { } features)
                {
                    rows.Add(new DirectoryRow(r.History, features, r.SegmentId, r.IsInsider == true));
                }
            }

            rows.Sort((a, b) => b.Features.GrossRevenue.CompareTo(a.Features.GrossRevenue));
            var snapshot = new DirectorySnapshot(pointer.Clock, pointer.Version, rows);
            _cached = snapshot;
            _cachedAt = time.GetTimestamp();
            return snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    private DirectorySnapshot? Fresh()
    {
        var cached = Volatile.Read(ref _cached);
        return cached is not null && time.GetElapsedTime(_cachedAt) < Ttl ? cached : null;
    }
}
