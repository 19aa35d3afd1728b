namespace Insiders;

/// <summary>Process-level settings (section <c>Insiders</c>): storage, data location, cluster membership and ports.</summary>
public sealed class HostingOptions
{
    /// <summary>Name of the connection string (<c>ConnectionStrings:Insiders</c>) used in PostgreSQL mode.</summary>
    public const string ConnectionStringName = "Insiders";

    /// <summary>Storage backend; the embedded SQLite default needs no configuration.</summary>
    public StorageMode Storage { get; set; } = StorageMode.Sqlite;

    /// <summary>Directory of the embedded database (created if missing).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>How often the running service checkpoints ingestion (flushes touched grains).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Embedded (SQLite) mode: the thread pool's minimum worker threads (raised, never lowered). The embedded store's SQLite calls block the
    /// thread they run on (Microsoft.Data.Sqlite has no asynchronous I/O), and while a checkpoint writes, the few threads
    /// of a small machine's default minimum are all blocked: every other grain call then waits for the pool to add a
    /// thread (about two a second), hundreds of milliseconds. Measured in docs/benchmarks.md (event-to-flag).
    /// </summary>
    public int MinThreadPoolThreads { get; set; } = 16;

    /// <summary>PostgreSQL mode: apply the deploy/postgres scripts (idempotent, advisory-locked) when the silo starts.</summary>
    public bool ApplySchema { get; set; } = true;

    /// <summary>Orleans cluster id: silos with the same id and database form one cluster.</summary>
    public string ClusterId { get; set; } = "insiders";

    /// <summary>Orleans service id: stable across deployments (grain state and reminders are keyed by it).</summary>
    public string ServiceId { get; set; } = "insiders";

    /// <summary>Silo-to-silo port; a free port when unset.</summary>
    public int? SiloPort { get; set; }

    /// <summary>Client gateway port; a free port when unset.</summary>
    public int? GatewayPort { get; set; }

    /// <summary>
    /// PostgreSQL mode: the address other silos reach this one at — an IP, a host name, or <c>auto</c> (this machine's
    /// host name, e.g. a scaled container's). Default: loopback (one machine), or the pod IP under Kubernetes hosting.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// PostgreSQL mode: Orleans' Kubernetes hosting (pod name as silo name, pod IP advertised, silos of deleted pods
    /// declared dead). Unset: on when <c>KUBERNETES_SERVICE_HOST</c> and <c>POD_NAME</c> are both set.
    /// </summary>
    public bool? Kubernetes { get; set; }
}
