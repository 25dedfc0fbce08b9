-- Serving tables of the nightly rollup (SPEC §4–6), written only by
-- `guardian rollup` (clickhouse/rollup). Each is partitioned by day: a run
-- builds the day in a staging table and swaps it in with
-- `ALTER TABLE … REPLACE PARTITION`, so re-running a day replaces its rows
-- atomically and readers never see a half-written or doubled day.
-- Values are stored at full precision; rounding is for presentation only.

CREATE TABLE IF NOT EXISTS {{database}}.daily_metrics
(
    day                      Date,
    total_clicks             UInt64,
    total_purchases          UInt64,
    unique_sessions          UInt64,
    unique_items             UInt64,
    conversion_rate          Float64,
    avg_session_duration_sec Float64,
    avg_clicks_per_session   Float64,
    total_revenue            Int64,
    avg_order_value          Float64,
    -- sessions with >= 1 click and >= 1 buy that day (conversion numerator)
    converted_sessions       UInt64,
    -- sessions with >= 1 buy row that day (average order value denominator)
    purchasing_sessions      UInt64
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY day;

CREATE TABLE IF NOT EXISTS {{database}}.session_funnel
(
    day        Date,
    stage      UInt8,
    stage_name LowCardinality(String),
    sessions   UInt64,
    percentage Float64,
    drop_rate  Float64
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (day, stage);

CREATE TABLE IF NOT EXISTS {{database}}.popular_items
(
    day                     Date,
    rank                    UInt16,
    item_id                 Int64,
    category                String,
    click_count             UInt64,
    purchase_count          UInt64,
    revenue                 Int64,
    click_to_purchase_ratio Float64
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (day, rank);

CREATE TABLE IF NOT EXISTS {{database}}.popular_categories
(
    day                     Date,
    rank                    UInt16,
    category                String,
    -- items whose category (most frequent among their clicks that day) is this one
    item_count              UInt64,
    click_count             UInt64,
    purchase_count          UInt64,
    revenue                 Int64,
    click_to_purchase_ratio Float64
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (day, rank);

CREATE TABLE IF NOT EXISTS {{database}}.trending
(
    day             Date,
    rank            UInt16,
    item_id         Int64,
    -- clicks on the day
    recent_clicks   UInt64,
    -- mean daily clicks over the three days before
    baseline_clicks Float64,
    trend_score     Float64
)
ENGINE = MergeTree
PARTITION BY day
ORDER BY (day, rank);

-- Every attempt of every rollup step: one row when the attempt ends.
CREATE TABLE IF NOT EXISTS {{database}}.rollup_runs
(
    run_id       String,
    day          Date,
    step         LowCardinality(String),
    attempt      UInt8,
    -- success | failed | skipped (an earlier step of the day failed)
    status       LowCardinality(String),
    started_at   DateTime64(3, 'UTC'),
    finished_at  DateTime64(3, 'UTC'),
    duration_ms  UInt64,
    rows_written UInt64,
    error        String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, step, started_at);

-- The latest attempt of each (day, step). A `skipped` step kept the day's
-- previous rows; `rollup_runs` has the whole history.
CREATE VIEW IF NOT EXISTS {{database}}.rollup_status AS
SELECT
    day,
    step,
    latest.1 AS status,
    latest.2 AS attempt,
    latest.3 AS finished_at,
    latest.4 AS duration_ms,
    latest.5 AS rows_written,
    latest.6 AS error
FROM
(
    SELECT day, step, argMax((status, attempt, finished_at, duration_ms, rows_written, error), (started_at, attempt)) AS latest
    FROM {{database}}.rollup_runs
    GROUP BY day, step
);
