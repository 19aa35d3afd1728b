namespace Insiders;

/// <summary>Process-level settings (section <c>Insiders</c>): storage and data location.</summary>
public sealed class HostingOptions
{
    /// <summary>Storage backend; the embedded SQLite default needs no configuration.</summary>
    public StorageMode Storage { get; set; } = StorageMode.Sqlite;

    /// <summary>Directory of the embedded database (created if missing).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>How often the running service checkpoints ingestion (flushes touched grains).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);
}
