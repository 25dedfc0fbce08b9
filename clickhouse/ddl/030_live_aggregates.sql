-- Live aggregates: materialized views on the raw tables keep per-day totals
-- as rows arrive, so "today so far" (SPEC §4–6) is answered from a few small
-- tables instead of the raw rows. The views hang off clicks_raw and
-- purchases_raw (not off the Kafka tables), so they see every insert into the
-- raw tables, from Kafka or loaded directly.
--
-- Delivery caveat: the Kafka engine is at-least-once, and a materialized view
-- sees a redelivered message as a new row; the live aggregates therefore count
-- a duplicate twice. The nightly rollup (clickhouse/rollup) deduplicates by
-- (_topic, _partition, _offset) and is the number of record for a closed day.
--
-- Read the aggregates with the -Merge combinators (or the views at the end of
-- this file), grouping by the key: background merges are eventual.

-- One row per UTC day.
CREATE TABLE IF NOT EXISTS {{database}}.daily_live
(
    day                 Date,
    clicks              SimpleAggregateFunction(sum, UInt64),
    purchases           SimpleAggregateFunction(sum, UInt64),
    revenue             SimpleAggregateFunction(sum, Int64),
    sessions            AggregateFunction(uniqExact, Int64),
    items               AggregateFunction(uniqExact, Int64),
    purchasing_sessions AggregateFunction(uniqExact, Int64)
)
ENGINE = AggregatingMergeTree
ORDER BY day;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.daily_live_clicks_mv TO {{database}}.daily_live AS
SELECT
    toDate(timestamp)          AS day,
    toUInt64(count())          AS clicks,
    uniqExactState(session_id) AS sessions,
    uniqExactState(item_id)    AS items
FROM {{database}}.clicks_raw
GROUP BY day;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.daily_live_purchases_mv TO {{database}}.daily_live AS
SELECT
    toDate(timestamp)              AS day,
    toUInt64(count())              AS purchases,
    toInt64(sum(price * quantity)) AS revenue,
    uniqExactState(session_id)     AS purchasing_sessions
FROM {{database}}.purchases_raw
GROUP BY day;

-- One row per UTC day × session: what conversion, session duration and the
-- funnel need (first/last click are NULL for a session that only bought).
CREATE TABLE IF NOT EXISTS {{database}}.sessions_live
(
    day         Date,
    session_id  Int64,
    clicks      SimpleAggregateFunction(sum, UInt64),
    first_click SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    last_click  SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    purchases   SimpleAggregateFunction(sum, UInt64),
    revenue     SimpleAggregateFunction(sum, Int64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, session_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.sessions_live_clicks_mv TO {{database}}.sessions_live AS
SELECT
    toDate(timestamp)                                   AS day,
    session_id,
    toUInt64(count())                                   AS clicks,
    toNullable(min(timestamp))                          AS first_click,
    toNullable(max(timestamp))                          AS last_click
FROM {{database}}.clicks_raw
GROUP BY day, session_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.sessions_live_purchases_mv TO {{database}}.sessions_live AS
SELECT
    toDate(timestamp)              AS day,
    session_id,
    toUInt64(count())              AS purchases,
    toInt64(sum(price * quantity)) AS revenue
FROM {{database}}.purchases_raw
GROUP BY day, session_id;

-- One row per UTC day × item; `categories` counts the item's clicks per
-- category (SPEC §6: the item's category is the most frequent one).
CREATE TABLE IF NOT EXISTS {{database}}.items_live
(
    day        Date,
    item_id    Int64,
    clicks     SimpleAggregateFunction(sum, UInt64),
    purchases  SimpleAggregateFunction(sum, UInt64),
    revenue    SimpleAggregateFunction(sum, Int64),
    categories SimpleAggregateFunction(sumMap, Map(String, UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, item_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.items_live_clicks_mv TO {{database}}.items_live AS
SELECT
    toDate(timestamp)                                                   AS day,
    item_id,
    toUInt64(count())                                                   AS clicks,
    CAST(sumMap(map(toString(category), toUInt64(1))), 'Map(String, UInt64)') AS categories
FROM {{database}}.clicks_raw
GROUP BY day, item_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.items_live_purchases_mv TO {{database}}.items_live AS
SELECT
    toDate(timestamp)              AS day,
    item_id,
    toUInt64(count())              AS purchases,
    toInt64(sum(price * quantity)) AS revenue
FROM {{database}}.purchases_raw
GROUP BY day, item_id;

-- One row per UTC day × click category (the category a click carries).
-- Purchases are not here: a buy has no category, and its item's category for
-- the day can change while clicks arrive; derive it from items_live instead
-- (SCHEMA.md shows the query).
CREATE TABLE IF NOT EXISTS {{database}}.categories_live
(
    day      Date,
    category LowCardinality(String),
    clicks   SimpleAggregateFunction(sum, UInt64),
    items    AggregateFunction(uniqExact, Int64),
    sessions AggregateFunction(uniqExact, Int64)
)
ENGINE = AggregatingMergeTree
ORDER BY (day, category);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.categories_live_mv TO {{database}}.categories_live AS
SELECT
    toDate(timestamp)          AS day,
    category,
    toUInt64(count())          AS clicks,
    uniqExactState(item_id)    AS items,
    uniqExactState(session_id) AS sessions
FROM {{database}}.clicks_raw
GROUP BY day, category;

-- SPEC §4 metrics and the §5 funnel counts per day, from the live aggregates
-- only (full precision; filter by day, the condition is pushed down).
CREATE VIEW IF NOT EXISTS {{database}}.daily_live_metrics AS
SELECT
    d.day                                                                   AS day,
    d.total_clicks                                                          AS total_clicks,
    d.total_purchases                                                       AS total_purchases,
    d.unique_sessions                                                       AS unique_sessions,
    d.unique_items                                                          AS unique_items,
    if(d.unique_sessions = 0, 0, s.converted_sessions / d.unique_sessions)  AS conversion_rate,
    if(s.viewed_sessions = 0, 0, s.duration_ms_sum / (1000 * s.viewed_sessions)) AS avg_session_duration_sec,
    if(d.unique_sessions = 0, 0, d.total_clicks / d.unique_sessions)        AS avg_clicks_per_session,
    d.total_revenue                                                         AS total_revenue,
    if(d.purchasing_sessions = 0, 0, d.total_revenue / d.purchasing_sessions) AS avg_order_value,
    s.converted_sessions                                                    AS converted_sessions,
    d.purchasing_sessions                                                   AS purchasing_sessions,
    s.engaged_sessions                                                      AS engaged_sessions
FROM
(
    SELECT
        day,
        sum(clicks)                         AS total_clicks,
        sum(purchases)                      AS total_purchases,
        sum(revenue)                        AS total_revenue,
        uniqExactMerge(sessions)            AS unique_sessions,
        uniqExactMerge(items)               AS unique_items,
        uniqExactMerge(purchasing_sessions) AS purchasing_sessions
    FROM {{database}}.daily_live
    GROUP BY day
) AS d
LEFT JOIN
(
    SELECT
        day,
        countIf(clicks > 0)                                    AS viewed_sessions,
        countIf(clicks >= 2)                                   AS engaged_sessions,
        countIf(clicks > 0 AND purchases > 0)                  AS converted_sessions,
        sumIf(toUnixTimestamp64Milli(assumeNotNull(last_click)) - toUnixTimestamp64Milli(assumeNotNull(first_click)), clicks > 0) AS duration_ms_sum
    FROM
    (
        SELECT day, session_id, sum(clicks) AS clicks, min(first_click) AS first_click, max(last_click) AS last_click, sum(purchases) AS purchases
        FROM {{database}}.sessions_live
        GROUP BY day, session_id
    )
    GROUP BY day
) AS s ON s.day = d.day;

-- The data clock (SPEC §7): the largest event time ingested, clicks and buys
-- alike; 1970-01-01 00:00:00.000 while nothing has been ingested.
CREATE VIEW IF NOT EXISTS {{database}}.data_clock AS
SELECT max(t) AS data_clock
FROM
(
    SELECT max(timestamp) AS t FROM {{database}}.clicks_raw
    UNION ALL
    SELECT max(timestamp) AS t FROM {{database}}.purchases_raw
);
