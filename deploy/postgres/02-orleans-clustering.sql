-- Insiders: PostgreSQL schema for Microsoft.Orleans.Clustering.AdoNet (membership table and gateway list).
-- Requires 01-orleans-base.sql. Idempotent.
--
-- Contract (what the provider binds and reads):
--   parameters   @DeploymentId (= ClusterOptions.ClusterId), @Address, @Port, @Generation, @SiloName, @HostName,
--                @Status (SiloStatus as int: 3 = Active, 6 = Dead), @ProxyPort, @SuspectTimes, @StartTime,
--                @IAmAliveTime, @Version (the table version the caller last read);
--   reads        DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, SuspectTimes,
--                StartTime, IAmAliveTime, Version: one row per silo, or a single row with NULL silo columns and the
--                table version when no silo matches (hence the LEFT JOIN from the version table);
--   conditional  InsertMembershipVersionKey, InsertMembershipKey, UpdateMembershipKey return one boolean column:
--   writes       true when the write happened. A membership write happens only together with a version bump from
--                @Version, so a writer holding a stale version changes nothing and retries after a fresh read.
-- The heartbeat (UpdateIAmAlivetimeKey) touches only IAmAliveTime and never the version.

CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    ModifiedOn   timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation (address, port, generation). Removing a deployment's version row removes its silos.
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)  NOT NULL,
    Address      varchar(45)   NOT NULL,
    Port         integer       NOT NULL,
    Generation   integer       NOT NULL,
    SiloName     varchar(150)  NOT NULL,
    HostName     varchar(150)  NOT NULL,
    Status       integer       NOT NULL,
    ProxyPort    integer       NOT NULL DEFAULT 0,
    SuspectTimes varchar(8000) NULL,
    StartTime    timestamptz   NOT NULL,
    IAmAliveTime timestamptz   NOT NULL,
    CONSTRAINT PK_OrleansMembershipTable PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_OrleansMembershipTable_Version FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId) ON DELETE CASCADE
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $sql$
WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT count(*) > 0 AS Created FROM created;
$sql$),

('InsertMembershipKey', $sql$
-- The version moves on only when the silo row is new; the silo row is written only when the version moved on.
WITH bumped AS (
    UPDATE OrleansMembershipVersionTable AS v
       SET Version = v.Version + 1, ModifiedOn = now()
     WHERE v.DeploymentId = @DeploymentId
       AND v.Version = @Version
       AND NOT EXISTS (SELECT 1 FROM OrleansMembershipTable AS m
                        WHERE m.DeploymentId = @DeploymentId AND m.Address = @Address
                          AND m.Port = @Port AND m.Generation = @Generation)
    RETURNING v.DeploymentId
), added AS (
    INSERT INTO OrleansMembershipTable
           (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT b.DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
      FROM bumped AS b
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING
    RETURNING 1
)
SELECT count(*) > 0 AS Inserted FROM added;
$sql$),

('UpdateMembershipKey', $sql$
-- Same pairing as the insert: version bump and row change together, or neither.
WITH bumped AS (
    UPDATE OrleansMembershipVersionTable AS v
       SET Version = v.Version + 1, ModifiedOn = now()
     WHERE v.DeploymentId = @DeploymentId
       AND v.Version = @Version
       AND EXISTS (SELECT 1 FROM OrleansMembershipTable AS m
                    WHERE m.DeploymentId = @DeploymentId AND m.Address = @Address
                      AND m.Port = @Port AND m.Generation = @Generation)
    RETURNING v.DeploymentId
), changed AS (
    UPDATE OrleansMembershipTable AS m
       SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
      FROM bumped AS b
     WHERE m.DeploymentId = b.DeploymentId AND m.Address = @Address
       AND m.Port = @Port AND m.Generation = @Generation
    RETURNING 1
)
SELECT count(*) > 0 AS Updated FROM changed;
$sql$),

('UpdateIAmAlivetimeKey', $sql$
UPDATE OrleansMembershipTable
   SET IAmAliveTime = @IAmAliveTime
 WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;
$sql$),

('MembershipReadRowKey', $sql$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
  FROM OrleansMembershipVersionTable AS v
  LEFT JOIN OrleansMembershipTable AS m
         ON m.DeploymentId = v.DeploymentId AND m.Address = @Address
        AND m.Port = @Port AND m.Generation = @Generation
 WHERE v.DeploymentId = @DeploymentId;
$sql$),

('MembershipReadAllKey', $sql$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
  FROM OrleansMembershipVersionTable AS v
  LEFT JOIN OrleansMembershipTable AS m ON m.DeploymentId = v.DeploymentId
 WHERE v.DeploymentId = @DeploymentId;
$sql$),

('GatewaysQueryKey', $sql$
SELECT Address, ProxyPort, Generation
  FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
$sql$),

('DeleteMembershipTableEntriesKey', $sql$
-- The silo rows go with their version row (ON DELETE CASCADE).
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
$sql$),

('CleanupDefunctSiloEntriesKey', $sql$
-- Bulk clean-up, for providers that do not use CleanupDefunctSiloEntryKey: Dead silos silent since the given time.
DELETE FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId
   AND Status = 6
   AND IAmAliveTime < @IAmAliveTime
   AND StartTime < @IAmAliveTime;
$sql$),

('CleanupDefunctSiloEntryKey', $sql$
-- Optional per-row clean-up: the provider picked this Dead row from a read; delete it only if it is unchanged since.
DELETE FROM OrleansMembershipTable
 WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation
   AND Status = 6
   AND StartTime = @StartTime
   AND IAmAliveTime = @IAmAliveTime
   AND COALESCE(SuspectTimes, '') = COALESCE(@SuspectTimes, '');
$sql$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
