-- Insiders: SQLite schema for Microsoft.Orleans.Persistence.AdoNet (invariant "System.Data.SQLite", which Orleans maps
-- to Microsoft.Data.Sqlite). Written by the Insiders team to the provider's documented contract:
--   * table OrleansQuery(QueryKey, QueryText) holding the queries the provider reads at start-up;
--   * WriteToStorageKey returns column NewGrainStateVersion (no row = version conflict);
--   * ReadFromStorageKey returns PayloadBinary and Version;
--   * ClearStorageKey / DeleteStorageKey return the new version in their first column.
-- Parameters: @GrainIdHash @GrainIdN0 @GrainIdN1 @GrainTypeHash @GrainTypeString @GrainIdExtensionString @ServiceId
--             @GrainStateVersion @PayloadBinary.
-- Idempotent: safe to run on every start.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

-- One row per grain state. GrainIdExtensionString is '' rather than NULL when absent so the natural key can be UNIQUE
-- (SQLite treats NULLs in a unique index as distinct). The unique index is also the lookup index.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NOT NULL DEFAULT '',
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB    NULL,
    ModifiedOn             TEXT    NOT NULL,
    Version                INTEGER NOT NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Key
    ON OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId);

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
UPDATE OrleansStorage
   SET PayloadBinary = @PayloadBinary,
       ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''),
       Version = Version + 1
 WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
   AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
   AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
   AND ServiceId = @ServiceId
   AND @GrainStateVersion IS NOT NULL AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;

INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''''), @ServiceId,
       @PayloadBinary, strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), 1
 WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
RETURNING Version AS NewGrainStateVersion;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
  FROM OrleansStorage
 WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
   AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
   AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
   AND ServiceId = @ServiceId;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage
   SET PayloadBinary = NULL,
       ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''),
       Version = Version + 1
 WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
   AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
   AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
   AND ServiceId = @ServiceId
   AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', '
DELETE FROM OrleansStorage
 WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
   AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
   AND GrainTypeString = @GrainTypeString
   AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
   AND ServiceId = @ServiceId
   AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;
');
