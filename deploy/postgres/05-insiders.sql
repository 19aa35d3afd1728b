-- Insiders application tables and BI views for PostgreSQL. Idempotent: safe to apply on every start.
-- Tables are ours to evolve; the bi_* views are the stable contract for BI tools (Metabase, Grafana, psql).

-- The journal: every accepted ingestion batch as one row (payload = the lines in LineBatchCodec's binary form).
-- A batch is acknowledged once its row has committed. writer = the silo whose pipeline accepted it.
CREATE TABLE IF NOT EXISTS insiders_journal
(
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    writer      text        NOT NULL,
    line_count  integer     NOT NULL,
    first_event timestamp   NULL,
    last_event  timestamp   NULL,
    payload     bytea       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    projected   boolean     NOT NULL DEFAULT false  -- expanded into insiders_transactions yet?
);

CREATE INDEX IF NOT EXISTS ix_insiders_journal_writer ON insiders_journal (writer, seq);
CREATE INDEX IF NOT EXISTS ix_insiders_journal_unprojected ON insiders_journal (seq) WHERE NOT projected;

-- Per writer: the last of its batches that the grains' persisted state covers.
CREATE TABLE IF NOT EXISTS insiders_checkpoints
(
    writer     text        NOT NULL PRIMARY KEY,
    seq        bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What each Idempotency-Key of POST /api/transactions was first used with (SHA-256 over the line count and each accepted
-- line's fields): a key sent again with other lines is refused (they would otherwise be taken for duplicates).
CREATE TABLE IF NOT EXISTS insiders_idempotency_keys
(
    idempotency_key text        NOT NULL PRIMARY KEY,
    fingerprint     text        NOT NULL,
    first_seen      timestamptz NOT NULL DEFAULT now()
);

-- Transactions received, one row per customer and line identity (a re-delivered line is stored once, as a customer's
-- grain applies it once), expanded from the journal shortly after acknowledgment by a background projector. The key
-- leads with the customer, so it also serves a customer's history; one index instead of a line-id key plus a customer
-- index makes the projector's inserts cheaper (1.6M rows: 14.1-14.5 s against 18.4-19.3 s, docs/benchmarks.md).
CREATE TABLE IF NOT EXISTS insiders_transactions
(
    line_id      bigint      NOT NULL,  -- line identity (source + position), as a signed 64-bit value
    invoice_no   text        NOT NULL,
    stock_code   text        NOT NULL,
    quantity     integer     NOT NULL,
    invoice_date timestamp   NOT NULL,
    unit_price   numeric     NOT NULL,
    customer_id  text        NOT NULL,
    country      text        NOT NULL,
    journal_seq  bigint      NOT NULL,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (customer_id, line_id)
);

-- A table created before 2026-12-07 had the key (line_id) and an index (customer_id, invoice_date): both are replaced
-- by the key above (rows unique by line id are unique by customer and line id, so no row is in the way).
DO $key$
DECLARE
    old_key name;
BEGIN
    SELECT conname INTO old_key FROM pg_constraint
     WHERE conrelid = 'insiders_transactions'::regclass AND contype = 'p'
       AND conkey = ARRAY[(SELECT attnum FROM pg_attribute
                            WHERE attrelid = 'insiders_transactions'::regclass AND attname = 'line_id')];
    IF FOUND THEN
        EXECUTE format('ALTER TABLE insiders_transactions DROP CONSTRAINT %I', old_key);
        ALTER TABLE insiders_transactions ADD PRIMARY KEY (customer_id, line_id);
    END IF;
    DROP INDEX IF EXISTS ix_insiders_transactions_customer;
END
$key$;

-- Current features, segment and Insider flag per customer with purchases (written at ingestion checkpoints and sweeps).
CREATE TABLE IF NOT EXISTS insiders_customers
(
    customer_id      text             NOT NULL PRIMARY KEY,
    gross_revenue    numeric          NOT NULL,
    returns_value    numeric          NOT NULL,
    net_revenue      numeric          NOT NULL,
    qty_invoices     integer          NOT NULL,
    qty_items        bigint           NOT NULL,
    qty_products     integer          NOT NULL,
    qty_returns      bigint           NOT NULL,
    recency_days     integer          NOT NULL,
    avg_ticket       double precision NOT NULL,
    avg_basket_size  double precision NOT NULL,
    avg_recency_days double precision NULL,
    frequency        double precision NOT NULL,
    return_rate      double precision NOT NULL,
    as_of            date             NOT NULL,  -- the clock date recency and frequency are measured at
    segment          integer          NULL,
    is_insider       boolean          NULL,      -- null until first classified
    model_version    bigint           NOT NULL,
    updated_at       timestamptz      NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ix_insiders_customers_insider ON insiders_customers (is_insider) WHERE is_insider;

-- Every published model.
CREATE TABLE IF NOT EXISTS insiders_models
(
    version           bigint           NOT NULL PRIMARY KEY,
    trained_at        timestamptz      NOT NULL,
    as_of             date             NOT NULL,
    k                 integer          NOT NULL,
    silhouette        double precision NOT NULL,
    customers         integer          NOT NULL,
    insider_customers integer          NOT NULL,
    insider_rule      text             NOT NULL,
    hysteresis_margin double precision NOT NULL,
    backtest_capture  double precision NULL      -- the coordinator's own backtest on the data it held, when run
);

-- The segment profile table of each model version (what data teams hand to marketing).
CREATE TABLE IF NOT EXISTS insiders_segments
(
    model_version      bigint           NOT NULL REFERENCES insiders_models (version),
    segment_id         integer          NOT NULL,
    is_insider         boolean          NOT NULL,
    customers          integer          NOT NULL,
    share_of_customers double precision NOT NULL,
    share_of_revenue   double precision NOT NULL,
    mean_gross_revenue double precision NOT NULL,
    mean_net_revenue   double precision NOT NULL,
    mean_recency_days  double precision NOT NULL,
    mean_frequency     double precision NOT NULL,
    mean_qty_invoices  double precision NOT NULL,
    mean_qty_products  double precision NOT NULL,
    mean_returns_value double precision NOT NULL,
    mean_return_rate   double precision NOT NULL,
    mean_avg_ticket    double precision NOT NULL,
    PRIMARY KEY (model_version, segment_id)
);

-- Insider entries (entered) and exits; (customer_id, sequence) makes recording idempotent.
CREATE TABLE IF NOT EXISTS insiders_transitions
(
    cursor        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id   text        NOT NULL,
    sequence      bigint      NOT NULL,
    at            timestamptz NOT NULL,
    model_version bigint      NOT NULL,
    from_segment  integer     NULL,
    to_segment    integer     NULL,
    entered       boolean     NOT NULL,
    UNIQUE (customer_id, sequence)
);

-- BI views: stable names and columns.
CREATE OR REPLACE VIEW bi_transactions AS
SELECT line_id, invoice_no, stock_code, quantity, invoice_date, unit_price, quantity * unit_price AS line_value,
       quantity < 0 AS is_return, customer_id, country, received_at
FROM insiders_transactions;

CREATE OR REPLACE VIEW bi_customers AS
SELECT customer_id, gross_revenue, returns_value, net_revenue, qty_invoices, qty_items, qty_products, qty_returns,
       recency_days, avg_ticket, avg_basket_size, avg_recency_days, frequency, return_rate, as_of,
       segment, coalesce(is_insider, false) AS is_insider, model_version, updated_at
FROM insiders_customers;

CREATE OR REPLACE VIEW bi_insiders AS
SELECT c.*, t.at AS insider_since
FROM bi_customers c
LEFT JOIN LATERAL (
    SELECT at FROM insiders_transitions x
    WHERE x.customer_id = c.customer_id AND x.entered
    ORDER BY x.sequence DESC LIMIT 1) t ON true
WHERE c.is_insider;

CREATE OR REPLACE VIEW bi_model_versions AS
SELECT version, trained_at, as_of, k, silhouette, customers, insider_customers,
       insider_customers::double precision / nullif(customers, 0) AS insider_share, insider_rule, hysteresis_margin,
       backtest_capture
FROM insiders_models;

CREATE OR REPLACE VIEW bi_segment_profiles AS
SELECT s.*, s.model_version = (SELECT max(version) FROM insiders_models) AS is_current
FROM insiders_segments s;

CREATE OR REPLACE VIEW bi_insider_changes AS
SELECT cursor, customer_id, at, model_version, from_segment, to_segment,
       CASE WHEN entered THEN 'entered' ELSE 'left' END AS change
FROM insiders_transitions;

-- Large binary values (grain state payloads, journaled batches) are compressed with lz4 where the server has it (PostgreSQL
-- 14+ built with lz4, as Debian's and the official image's are) instead of the default pglz, which compresses ~5× slower:
-- pglz was ~3% of the machine in a replay into PostgreSQL (docs/benchmarks.md). Values already stored stay as they are.
DO $lz4$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        IF (SELECT attcompression FROM pg_attribute
             WHERE attrelid = 'orleansstorage'::regclass AND attname = 'payloadbinary') IS DISTINCT FROM 'l' THEN
            ALTER TABLE OrleansStorage ALTER COLUMN PayloadBinary SET COMPRESSION lz4;
        END IF;
        IF (SELECT attcompression FROM pg_attribute
             WHERE attrelid = 'insiders_journal'::regclass AND attname = 'payload') IS DISTINCT FROM 'l' THEN
            ALTER TABLE insiders_journal ALTER COLUMN payload SET COMPRESSION lz4;
        END IF;
    END IF;
END
$lz4$;
