-- Insiders application tables for the embedded (SQLite) default. Idempotent.

-- The journal: every accepted ingestion batch, once, as one row (payload = the lines in LineBatchCodec's binary form).
-- A batch is acknowledged when its row has committed. writer = the silo whose pipeline accepted it.
CREATE TABLE IF NOT EXISTS insiders_journal
(
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    writer      TEXT    NOT NULL,
    line_count  INTEGER NOT NULL,
    first_event TEXT    NULL,       -- yyyy-MM-dd HH:mm:ss, earliest InvoiceDate in the batch
    last_event  TEXT    NULL,
    payload     BLOB    NOT NULL,
    received_at TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_insiders_journal_writer ON insiders_journal (writer, seq);

-- Per writer: the last of its batches that the grains' persisted state covers. Batches after it are delivered again
-- on recovery (customers ignore lines they already hold).
CREATE TABLE IF NOT EXISTS insiders_checkpoints
(
    writer     TEXT    NOT NULL PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);

-- The body each Idempotency-Key of POST /api/transactions was first used with (a key sent again with another body is
-- refused: its lines would otherwise be taken for duplicates of the first body's lines).
CREATE TABLE IF NOT EXISTS insiders_idempotency_keys
(
    idempotency_key TEXT NOT NULL PRIMARY KEY,
    body_sha256     TEXT NOT NULL,
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
