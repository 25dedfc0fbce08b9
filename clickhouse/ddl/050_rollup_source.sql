-- Which source each rollup attempt read: `live` (the live aggregate tables,
-- when they were exact for the day) or `raw` (the raw tables, each Kafka
-- message once). See clickhouse/rollup/day-check.ts.
ALTER TABLE {{database}}.rollup_runs ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER rows_written;

CREATE OR REPLACE VIEW {{database}}.rollup_status AS
SELECT
    day,
    step,
    latest.1 AS status,
    latest.2 AS attempt,
    latest.3 AS finished_at,
    latest.4 AS duration_ms,
    latest.5 AS rows_written,
    latest.6 AS source,
    latest.7 AS error
FROM
(
    SELECT day, step, argMax((status, attempt, finished_at, duration_ms, rows_written, source, error), (started_at, attempt)) AS latest
    FROM {{database}}.rollup_runs
    GROUP BY day, step
);
