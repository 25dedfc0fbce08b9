-- km.purchases.raw.v1 → ClickHouse: Kafka engine table, materialized views,
-- target table (same layout as 010_clicks.sql).

CREATE TABLE IF NOT EXISTS {{database}}.purchases_raw
(
    session_id  Int64,
    timestamp   DateTime64(3, 'UTC'),
    item_id     Int64,
    price       Int64,
    quantity    Int32,
    _topic      LowCardinality(String),
    _partition  UInt32,
    _offset     UInt64,
    _ingested_at DateTime DEFAULT now()
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (toDate(timestamp), session_id, timestamp);

CREATE TABLE IF NOT EXISTS {{database}}.purchases_queue
(
    session_id  Int64,
    timestamp   DateTime64(3, 'UTC'),
    item_id     Int64,
    price       Int64,
    quantity    Int32
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '{{kafka_brokers}}',
    kafka_topic_list = 'km.purchases.raw.v1',
    kafka_group_name = 'clickhouse-purchases',
    kafka_format = 'AvroConfluent',
    format_avro_schema_registry_url = '{{schema_registry_url}}',
    kafka_num_consumers = 1,
    kafka_flush_interval_ms = 2000,
    kafka_handle_error_mode = 'stream';

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.purchases_raw_mv TO {{database}}.purchases_raw AS
SELECT session_id, timestamp, item_id, price, quantity, _topic, _partition, _offset
FROM {{database}}.purchases_queue
WHERE length(_error) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.purchases_errors_mv TO {{database}}.kafka_errors AS
SELECT _topic AS topic, _partition AS partition, _offset AS offset, _raw_message AS raw, _error AS error
FROM {{database}}.purchases_queue
WHERE length(_error) > 0;
