using System.Diagnostics.Metrics;
using Insiders.Customers;
using Insiders.Segmentation;
using Insiders.Storage;
using Insiders.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Insiders.Tests;

/// <summary>
/// The embedded transition store: every call returns once its rows are committed, each (customer, sequence) is stored
/// and counted once however often and concurrently it is recorded, and the calls queued when the database closes are
/// still written.
/// </summary>
public sealed class SqliteTransitionStoreTests : IDisposable
{
    private readonly string _dir = TestData.NewTempDirectory("transition-store");
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose()
    {
        _services.Dispose();
        TempDataDirectory.Delete(_dir);
    }

    private InsidersMetrics NewMetrics() =>
        new(_services.GetRequiredService<IMeterFactory>(), new ModelCache(null!, Options.Create(new InsidersOptions()), TimeProvider.System));

    private static InsiderTransition Entry(int customer, long sequence) =>
        new($"c{customer}", sequence, new DateTimeOffset(2011, 5, 1, 0, 0, 0, TimeSpan.Zero), 1, null, 3, Entered: sequence % 2 == 1);

    [Fact]
    public async Task RecordAsync_ManyConcurrentCallsWithRepeats_EachRowStoredAndCountedOnce()
    {
        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == InsidersTelemetry.Transitions)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        using var db = SqliteDatabase.Open(_dir);
        var store = new SqliteTransitionStore(db, NewMetrics());
        // 200 customers × 2 transitions (an entry, then an exit), each call made three times, all at once.
        var calls = Enumerable.Range(0, 3)
            .SelectMany(_ => Enumerable.Range(0, 200).Select(c => (IReadOnlyList<InsiderTransition>)[Entry(c, 1), Entry(c, 2)]))
            .Select(transitions => Task.Run(() => store.RecordAsync(transitions)))
            .ToArray();
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        var stored = await store.ReadAsync(0, 10_000, TestContext.Current.CancellationToken);
        Assert.Equal(400, stored.Count);
        Assert.Equal(400, stored.Select(s => (s.Transition.CustomerId, s.Transition.Sequence)).Distinct().Count());
        Assert.Equal(200, stored.Count(s => s.Transition.Entered));
        Assert.Equal(400, Interlocked.Read(ref counted));

        // Queued when the database closes: still written before it returns.
        var last = store.RecordAsync([Entry(999, 1)]);
        db.Dispose();
        await last;
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.RecordAsync([Entry(1000, 1)]));
        using var reopenedDb = SqliteDatabase.Open(_dir);
        var reopened = new SqliteTransitionStore(reopenedDb, NewMetrics());
        Assert.Contains(await reopened.ReadAsync(0, 10_000, TestContext.Current.CancellationToken), s => s.Transition.CustomerId == "c999");
    }
}
