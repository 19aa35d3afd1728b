-- Insiders application tables for the embedded (SQLite) default. Idempotent.

-- Every accepted line, once (line_id is the line identity: source + position). The durable record of what was
-- acknowledged; seq orders ingestion, and lines after the checkpoint are re-delivered to the grains on start.
CREATE TABLE IF NOT EXISTS insiders_transactions
(
    seq          INTEGER PRIMARY KEY,
    line_id      INTEGER NOT NULL UNIQUE,
    invoice_no   TEXT    NOT NULL,
    stock_code   TEXT    NOT NULL,
    quantity     INTEGER NOT NULL,
    invoice_date TEXT    NOT NULL,   -- yyyy-MM-dd HH:mm:ss
    unit_price   TEXT    NOT NULL,   -- exact decimal as text
    customer_id  TEXT    NOT NULL,
    country      TEXT    NOT NULL,
    received_at  TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS ix_insiders_transactions_customer ON insiders_transactions (customer_id);

-- Up to which seq the grains' persisted state reflects the journal.
CREATE TABLE IF NOT EXISTS insiders_checkpoints
(
    name TEXT    NOT NULL PRIMARY KEY,
    seq  INTEGER NOT NULL
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
