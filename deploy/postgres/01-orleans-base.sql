-- Insiders: PostgreSQL base schema for the Orleans ADO.NET providers (invariant "Npgsql").
-- Written by the Insiders team to the providers' contract; the Orleans packages ship no SQL.
--
-- Every provider (clustering, grain storage, reminders) starts by running
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- and then only ever executes the texts it finds there, binding its parameters by name (@Name) and reading the
-- result columns by name (case-insensitively). Scripts 02-04 register their query texts in this table.
--
-- Apply in file-name order (01, 02, 03, 04); every script is idempotent, so re-applying an updated script replaces
-- the stored query texts and functions while keeping the data. 05 and later are the application's own tables.
-- Identifiers are unquoted, so PostgreSQL folds them to lower case (orleansquery.querykey ...).

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
);
