-- Insiders application tables for the embedded (SQLite) default. Idempotent.

-- The journal itself is in a file of its own (journal/01-journal.sql, journal.db): its appends, which acknowledge
-- lines, never wait for SQLite's single writer lock behind a checkpoint's grain-state writes.

-- Per writer: the last of its batches that the grains' persisted state covers. Batches after it are delivered again
-- on recovery (customers ignore lines they already hold). In this file, beside the grain state: a checkpoint commits
-- after the state writes it covers, in the same write-ahead log.
CREATE TABLE IF NOT EXISTS insiders_checkpoints
(
    writer     TEXT    NOT NULL PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);

-- What each Idempotency-Key of POST /api/transactions was first used with (SHA-256 over the line count and each accepted
-- line's fields): a key sent again with other lines is refused (they would otherwise be taken for duplicates).
CREATE TABLE IF NOT EXISTS insiders_idempotency_keys
(
    idempotency_key TEXT NOT NULL PRIMARY KEY,
    fingerprint     TEXT NOT NULL,
    first_seen      TEXT NOT NULL
);

-- Insider entries (entered = 1) and exits (entered = 0); (customer_id, sequence) makes recording idempotent.
CREATE TABLE IF NOT EXISTS insiders_transitions
(
    cursor        INTEGER PRIMARY KEY,
    customer_id   TEXT    NOT NULL,
    sequence      INTEGER NOT NULL,
    at            TEXT    NOT NULL,
    model_version INTEGER NOT NULL,
    from_segment  INTEGER NULL,
    to_segment    INTEGER NULL,
    entered       INTEGER NOT NULL,
    UNIQUE (customer_id, sequence)
);
