-- The project's database and the record of applied ClickHouse migrations.
CREATE DATABASE IF NOT EXISTS {{database}};

CREATE TABLE IF NOT EXISTS {{database}}.schema_migrations
(
    name       String,
    checksum   String,
    applied_at DateTime DEFAULT now()
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY name;

-- Messages the Kafka engine could not parse (kafka_handle_error_mode = 'stream'),
-- so one bad message never stalls a partition.
CREATE TABLE IF NOT EXISTS {{database}}.kafka_errors
(
    topic       LowCardinality(String),
    partition   UInt32,
    offset      UInt64,
    raw         String,
    error       String,
    received_at DateTime DEFAULT now()
)
ENGINE = MergeTree
ORDER BY (topic, partition, offset);
