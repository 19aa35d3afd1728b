namespace Insiders;

/// <summary>Where grain state, the journal and transitions live.</summary>
public enum StorageMode
{
    /// <summary>The embedded default: one SQLite file in the data directory, one silo, no set-up.</summary>
    Sqlite,

    /// <summary>PostgreSQL: a multi-silo cluster (see deploy/postgres).</summary>
    Postgres,
}
