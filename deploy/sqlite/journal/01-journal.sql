-- Insiders journal for the embedded (SQLite) default, in its own database file (journal.db). Idempotent.

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
