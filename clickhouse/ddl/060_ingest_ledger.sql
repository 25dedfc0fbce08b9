-- The ingest ledger: for every block written to a raw table, one row per
-- (day, topic, partition) with the block's offset range and row count. It
-- lets the rollup tell, without reading the raw rows, whether a day holds a
-- message twice: Kafka hands a partition's messages out in offset order, so
-- the blocks of one partition cover disjoint offset ranges unless a message
-- was delivered again (its block's range overlaps an earlier one). Rows
-- written before this file was applied have no ledger rows; the row counts
-- then disagree with the raw table, and the rollup reads the raw rows.
-- See clickhouse/rollup/day-check.ts.

CREATE TABLE IF NOT EXISTS {{database}}.ingest_ledger
(
    day          Date,
    source_table LowCardinality(String),
    topic        LowCardinality(String),
    partition    UInt32,
    first_offset UInt64,
    last_offset  UInt64,
    rows         UInt64,
    written_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, source_table, topic, partition, first_offset);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.ingest_ledger_clicks_mv TO {{database}}.ingest_ledger AS
SELECT
    toDate(timestamp) AS day,
    'clicks_raw'      AS source_table,
    _topic            AS topic,
    _partition        AS partition,
    min(_offset)      AS first_offset,
    max(_offset)      AS last_offset,
    toUInt64(count()) AS rows
FROM {{database}}.clicks_raw
GROUP BY day, topic, partition;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.ingest_ledger_purchases_mv TO {{database}}.ingest_ledger AS
SELECT
    toDate(timestamp) AS day,
    'purchases_raw'   AS source_table,
    _topic            AS topic,
    _partition        AS partition,
    min(_offset)      AS first_offset,
    max(_offset)      AS last_offset,
    toUInt64(count()) AS rows
FROM {{database}}.purchases_raw
GROUP BY day, topic, partition;
