namespace Insiders;

/// <summary>Service-wide settings. Bound from configuration section <c>Insiders</c>.</summary>
public sealed class InsidersOptions
{
    public const string Section = "Insiders";

    /// <summary>Number of feature shards customers report to (fixed for the life of a data directory/database).</summary>
    public int Shards { get; set; } = 16;

    /// <summary>
    /// How often the coordinator retrains (a durable reminder, fired on one silo). Zero leaves the cluster's schedule
    /// as it is (tools joining a cluster); with the embedded default it means on-demand only.
    /// </summary>
    public TimeSpan RetrainPeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The clock date recency and frequency are measured against: <see cref="ClockMode.EventTime"/> (the latest
    /// InvoiceDate seen; for replays and simulations) or <see cref="ClockMode.Wall"/> (today, when serving live).
    /// </summary>
    public ClockMode Clock { get; set; } = ClockMode.EventTime;

    /// <summary>How often each silo checks for a newer model (bounds how stale a lazy reclassification can be).</summary>
    public TimeSpan ModelRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Grain calls in flight per bulk operation (delivery, sweep, flush).</summary>
    public int Parallelism { get; set; } = 64;

    /// <summary>
    /// Customer and shard flushes in flight at a checkpoint someone waits for (a replay's or a bulk load's, one made due
    /// by <see cref="MaxUncheckpointedLines"/>, recovery, shutdown). On SQLite their state writes share transactions (the
    /// embedded state writer commits what arrives during a commit together): one at a time, each write was a commit of
    /// its own (100,000 customers: 11.3–11.9 s; 16 in flight: 6.5 s in ~9,400 transactions; 64: 6.3 s).
    /// </summary>
    public int FlushParallelism { get; set; } = 16;

    /// <summary>
    /// Flushes in flight at the running service's periodic checkpoint, which nobody waits for: one at a time, it keeps
    /// to one core and leaves the rest to live ingestion and lookups (event-to-flag at 2,000 lines/s on 2 cores: p99
    /// 26 ms with 1, 67–70 ms with 4 or 16). Once someone waits for it (an ingestion call held back by
    /// <see cref="MaxUncheckpointedLines"/>, an awaited checkpoint, the shutdown), it widens to <see cref="FlushParallelism"/>.
    /// </summary>
    public int BackgroundFlushParallelism { get; set; } = 1;

    /// <summary>
    /// Lines a pipeline keeps in memory since its last checkpoint (to deliver again to a customer whose activation was
    /// lost with a silo). Reaching it checkpoints early.
    /// </summary>
    public int MaxUncheckpointedLines { get; set; } = 1_000_000;

    /// <summary>
    /// A customer grain written while idle at least this long (no event or lookup since: a checkpoint after a bulk load,
    /// or a retrain's sweep reaching a silent customer) deactivates right after the write, so a million customers loaded
    /// once do not all stay in memory. Customers in use are written at every checkpoint and stay active (Orleans'
    /// idle collection still applies). Zero or negative: never.
    /// </summary>
    public TimeSpan CustomerIdleDeactivation { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether a retrain's fit runs below normal priority (on Linux nice 10), so that lookups and ingestion get the cores
    /// first while it runs: status lookups at 2,000/s during two retrains, p99 46.0 → 14.1 ms, each retrain under that
    /// load taking longer (~7.3 → ~10.5 s; docs/benchmarks.md "Lookups during a retrain"). False: the fit competes with
    /// them as an equal (the fastest retrain on a busy silo). Either way it runs on threads of its own, not the pool's.
    /// </summary>
    public bool LowerFitPriority { get; set; } = true;

    /// <summary>How long delivery of a journaled batch is retried while silos fail and the cluster settles.</summary>
    public TimeSpan DeliveryRetryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public void Validate()
    {
        if (Shards is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(Shards), Shards, $"{Section}:Shards must be in 1..4096.");
        }

        if (ModelRefreshInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ModelRefreshInterval), ModelRefreshInterval, $"{Section}:ModelRefreshInterval must be positive.");
        }

        if (MaxUncheckpointedLines < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxUncheckpointedLines), MaxUncheckpointedLines, $"{Section}:MaxUncheckpointedLines must be at least 1.");
        }

        if (Parallelism < 1 || FlushParallelism < 1 || BackgroundFlushParallelism < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Parallelism), Parallelism, $"{Section}:Parallelism, {Section}:FlushParallelism and {Section}:BackgroundFlushParallelism must be at least 1.");
        }
    }

    /// <summary>The shard a customer reports to: a stable hash (not string.GetHashCode, which is randomised per process).</summary>
    public static int ShardOf(string customerId, int shards) => (int)(Transactions.LineIdentity.SourceHash(customerId) % (ulong)shards);
}

public enum ClockMode
{
    EventTime,
    Wall,
}
