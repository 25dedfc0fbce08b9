/**
 * The rollup's steps: for day D (`{day:Date}`), one SELECT per serving table,
 * exactly per SPEC §4–6. Each metric is defined once, here, over two
 * interchangeable *sources* of the same per-session / per-item totals:
 *
 * - `live`: the live aggregate tables (`sessions_live`, `items_live`), which
 *   the materialized views filled at ingest; reading them costs a few
 *   thousand rows per day instead of every raw row;
 * - `raw`: the raw tables, each Kafka message once
 *   (`LIMIT 1 BY _topic, _partition, _offset`: the Kafka engine delivers at
 *   least once, and a redelivered message has the same coordinates and event
 *   time).
 *
 * Both give identical numbers whenever the live aggregates are exact for the
 * day (no duplicate message in the raw rows, and the aggregates saw every raw
 * row); `day-check.ts` establishes that before a step picks `live`, and falls
 * back to `raw` otherwise. Ratios come from exact integer totals with one
 * division at the end, so a re-run yields bit-identical values; nothing is
 * rounded.
 *
 * Stages (issue 6): daily_metrics first; then the funnel, item and category
 * popularity in parallel; then trending.
 */

export type StepName = 'daily_metrics' | 'session_funnel' | 'popular_items' | 'popular_categories' | 'trending';
export type Source = 'live' | 'raw';

export interface RollupStep {
  name: StepName;
  /** The serving table (PARTITION BY day) the step replaces day D of. */
  table: string;
  /** Its columns, in the SELECT's order. */
  columns: readonly string[];
  /** Days (offsets from D) whose clicks, and whether their buys, must be exact for the `live` source. */
  reads: { dayOffsets: readonly number[]; buys: boolean };
  /** A SELECT producing day D's rows from the source; takes `{day:Date}`. */
  select(source: Source): string;
}

/** Items kept per day (SPEC §6). */
export const TOP_ITEMS = 100;
/** Categories kept per day (SPEC §6). */
export const TOP_CATEGORIES = 20;
/** Trending items kept per day (SPEC is silent; the same as popular items). */
export const TOP_TRENDING = 100;

const DEDUP = 'LIMIT 1 BY _topic, _partition, _offset';
const rawClicks = (where: string) => `SELECT session_id, timestamp, item_id, category FROM clicks_raw WHERE ${where} ${DEDUP}`;
const rawBuys = `SELECT session_id, item_id, price, quantity FROM purchases_raw WHERE toDate(timestamp) = {day:Date} ${DEDUP}`;
const ON_DAY = 'toDate(timestamp) = {day:Date}';

/** Per session with a click or a buy on D: clicks, first/last click (epoch ms; 0 without clicks), buy rows, revenue. */
const SESSIONS: Record<Source, string> = {
  live: `
    SELECT session_id, sum(clicks) AS clicks,
           ifNull(toUnixTimestamp64Milli(min(first_click)), 0) AS first_ms, ifNull(toUnixTimestamp64Milli(max(last_click)), 0) AS last_ms,
           sum(purchases) AS purchases, sum(revenue) AS revenue
    FROM sessions_live WHERE day = {day:Date} GROUP BY session_id`,
  raw: `
    SELECT session_id, sum(c) AS clicks, ifNull(min(f), 0) AS first_ms, ifNull(max(l), 0) AS last_ms, sum(p) AS purchases, sum(r) AS revenue
    FROM (
        SELECT session_id, count() AS c, CAST(min(toUnixTimestamp64Milli(timestamp)), 'Nullable(Int64)') AS f,
               CAST(max(toUnixTimestamp64Milli(timestamp)), 'Nullable(Int64)') AS l, toUInt64(0) AS p, toInt64(0) AS r
        FROM (${rawClicks(ON_DAY)}) GROUP BY session_id
        UNION ALL
        SELECT session_id, toUInt64(0), NULL, NULL, count(), toInt64(sum(price * quantity))
        FROM (${rawBuys}) GROUP BY session_id)
    GROUP BY session_id`,
};

/** Per item clicked or bought on D: clicks, buy rows, revenue, clicks per category. */
const ITEMS: Record<Source, string> = {
  live: `
    SELECT item_id, sum(clicks) AS clicks, sum(purchases) AS purchases, sum(revenue) AS revenue, sumMap(categories) AS categories
    FROM items_live WHERE day = {day:Date} GROUP BY item_id`,
  raw: `
    SELECT item_id, sum(c) AS clicks, sum(p) AS purchases, sum(r) AS revenue, sumMap(m) AS categories
    FROM (
        SELECT item_id, count() AS c, toUInt64(0) AS p, toInt64(0) AS r, CAST(sumMap(map(toString(category), toUInt64(1))), 'Map(String, UInt64)') AS m
        FROM (${rawClicks(ON_DAY)}) GROUP BY item_id
        UNION ALL
        SELECT item_id, toUInt64(0), count(), toInt64(sum(price * quantity)), CAST(map(), 'Map(String, UInt64)')
        FROM (${rawBuys}) GROUP BY item_id)
    GROUP BY item_id`,
};

/** Per item and day of D−3..D with at least one click: the clicks. */
const ITEM_DAYS: Record<Source, string> = {
  live: `
    SELECT item_id, day, sum(clicks) AS clicks
    FROM items_live WHERE day BETWEEN subtractDays({day:Date}, 3) AND {day:Date}
    GROUP BY item_id, day HAVING clicks > 0`,
  raw: `
    SELECT item_id, toDate(timestamp) AS day, count() AS clicks
    FROM (${rawClicks('toDate(timestamp) BETWEEN subtractDays({day:Date}, 3) AND {day:Date}')})
    GROUP BY item_id, day`,
};

const dailyMetrics = (source: Source) => `
SELECT
    {day:Date}                                                                   AS day,
    s.total_clicks                                                               AS total_clicks,
    s.total_purchases                                                            AS total_purchases,
    s.unique_sessions                                                            AS unique_sessions,
    i.unique_items                                                               AS unique_items,
    if(s.unique_sessions = 0, 0, s.converted_sessions / s.unique_sessions)       AS conversion_rate,
    if(s.unique_sessions = 0, 0, s.duration_ms / (1000 * s.unique_sessions))     AS avg_session_duration_sec,
    if(s.unique_sessions = 0, 0, s.total_clicks / s.unique_sessions)             AS avg_clicks_per_session,
    s.total_revenue                                                              AS total_revenue,
    if(s.purchasing_sessions = 0, 0, s.total_revenue / s.purchasing_sessions)    AS avg_order_value,
    s.converted_sessions                                                         AS converted_sessions,
    s.purchasing_sessions                                                        AS purchasing_sessions
FROM
(
    SELECT
        sum(clicks)                            AS total_clicks,
        sum(purchases)                         AS total_purchases,
        countIf(clicks > 0)                    AS unique_sessions,
        countIf(clicks > 0 AND purchases > 0)  AS converted_sessions,
        countIf(purchases > 0)                 AS purchasing_sessions,
        toInt64(sum(revenue))                  AS total_revenue,
        toInt64(sumIf(last_ms - first_ms, clicks > 0)) AS duration_ms
    FROM (${SESSIONS[source]})
) AS s
CROSS JOIN (SELECT countIf(clicks > 0) AS unique_items FROM (${ITEMS[source]})) AS i`;

const sessionFunnel = (source: Source) => `
SELECT
    {day:Date} AS day,
    stage,
    stage_name,
    sessions,
    percentage,
    drop_rate
FROM
(
    SELECT
        countIf(clicks > 0)                   AS viewed,
        countIf(clicks >= 2)                  AS engaged,
        countIf(clicks > 0 AND purchases > 0) AS purchased
    FROM (${SESSIONS[source]})
)
ARRAY JOIN
    [1, 2, 3]                                        AS stage,
    ['Viewed', 'Engaged', 'Purchased']               AS stage_name,
    [viewed, engaged, purchased]                     AS sessions,
    [100,
     if(viewed = 0, 0, engaged * 100 / viewed),
     if(viewed = 0, 0, purchased * 100 / viewed)]    AS percentage,
    [0,
     if(viewed = 0, 0, (viewed - engaged) * 100 / viewed),
     if(engaged = 0, 0, (toInt64(engaged) - toInt64(purchased)) * 100 / engaged)] AS drop_rate`;

/**
 * SPEC §6 per item: the item's category is the most frequent among its
 * clicks that day (ties: smallest string); `0` (unknown) for an item bought
 * but not clicked that day.
 */
const CATEGORY = `if(clicks = 0, '0',
           arraySort(x -> (-toInt64(x.2), x.1), arrayZip(mapKeys(categories), mapValues(categories)))[1].1)`;

const itemRows = (source: Source) => `
    SELECT
        item_id,
        clicks                                   AS click_count,
        purchases                                AS purchase_count,
        toInt64(revenue)                         AS revenue,
        ${CATEGORY}                              AS category
    FROM (${ITEMS[source]})`;

/** The top items first (a partial sort), then category, ratio and rank for those only. */
const popularItems = (source: Source) => `
SELECT
    {day:Date}                                                                          AS day,
    toUInt16(row_number() OVER (ORDER BY revenue DESC, click_count DESC, item_id ASC))  AS rank,
    item_id,
    ${CATEGORY}                                                                         AS category,
    clicks                                                                              AS click_count,
    purchases                                                                           AS purchase_count,
    toInt64(revenue)                                                                    AS revenue,
    if(clicks = 0, 0, purchases / clicks)                                               AS click_to_purchase_ratio
FROM
(
    SELECT item_id, clicks, purchases, revenue, categories
    FROM (${ITEMS[source]})
    ORDER BY revenue DESC, clicks DESC, item_id ASC
    LIMIT ${TOP_ITEMS}
)
ORDER BY rank`;

/** Items grouped by their category of the day (so a buy counts where its item's clicks mostly are). */
const popularCategories = (source: Source) => `
SELECT
    {day:Date}                                                                            AS day,
    toUInt16(row_number() OVER (ORDER BY revenue DESC, click_count DESC, category ASC))   AS rank,
    category,
    item_count,
    click_count,
    purchase_count,
    revenue,
    if(click_count = 0, 0, purchase_count / click_count) AS click_to_purchase_ratio
FROM
(
    SELECT category, count() AS item_count, sum(click_count) AS click_count, sum(purchase_count) AS purchase_count, sum(revenue) AS revenue
    FROM (${itemRows(source)})
    GROUP BY category
)
ORDER BY revenue DESC, click_count DESC, category ASC
LIMIT ${TOP_CATEGORIES}`;

/**
 * SPEC §6 trending, over items clicked at least once in D−3..D: recent =
 * clicks on D, baseline = clicks on D−3..D−1 ÷ 3 (a day without data counts
 * as 0), trend_score = (recent + 1) ÷ (baseline + 1), computed as
 * 3·(recent + 1) ÷ (clicks on D−3..D−1 + 3) — the same number, but one exact
 * division, so equal scores are equal floats and ties fall to recent desc,
 * then item_id asc.
 */
const trending = (source: Source) => `
SELECT
    {day:Date}                                                                              AS day,
    toUInt16(row_number() OVER (ORDER BY trend_score DESC, recent_clicks DESC, item_id ASC)) AS rank,
    item_id,
    recent_clicks,
    baseline_total / 3                                                                      AS baseline_clicks,
    trend_score
FROM
(
    SELECT
        item_id,
        toUInt64(sumIf(clicks, day = {day:Date}))       AS recent_clicks,
        toUInt64(sumIf(clicks, day < {day:Date}))       AS baseline_total,
        (recent_clicks + 1) * 3 / (baseline_total + 3)  AS trend_score
    FROM (${ITEM_DAYS[source]})
    GROUP BY item_id
    ORDER BY trend_score DESC, recent_clicks DESC, item_id ASC
    LIMIT ${TOP_TRENDING}
)
ORDER BY rank`;

const THE_DAY = { dayOffsets: [0], buys: true } as const;

export const ROLLUP_STEPS: Readonly<Record<StepName, RollupStep>> = {
  daily_metrics: {
    name: 'daily_metrics',
    table: 'daily_metrics',
    columns: [
      'day', 'total_clicks', 'total_purchases', 'unique_sessions', 'unique_items', 'conversion_rate',
      'avg_session_duration_sec', 'avg_clicks_per_session', 'total_revenue', 'avg_order_value',
      'converted_sessions', 'purchasing_sessions',
    ],
    reads: THE_DAY,
    select: dailyMetrics,
  },
  session_funnel: {
    name: 'session_funnel',
    table: 'session_funnel',
    columns: ['day', 'stage', 'stage_name', 'sessions', 'percentage', 'drop_rate'],
    reads: THE_DAY,
    select: sessionFunnel,
  },
  popular_items: {
    name: 'popular_items',
    table: 'popular_items',
    columns: ['day', 'rank', 'item_id', 'category', 'click_count', 'purchase_count', 'revenue', 'click_to_purchase_ratio'],
    reads: THE_DAY,
    select: popularItems,
  },
  popular_categories: {
    name: 'popular_categories',
    table: 'popular_categories',
    columns: ['day', 'rank', 'category', 'item_count', 'click_count', 'purchase_count', 'revenue', 'click_to_purchase_ratio'],
    reads: THE_DAY,
    select: popularCategories,
  },
  trending: {
    name: 'trending',
    table: 'trending',
    columns: ['day', 'rank', 'item_id', 'recent_clicks', 'baseline_clicks', 'trend_score'],
    reads: { dayOffsets: [-3, -2, -1, 0], buys: false },
    select: trending,
  },
};

/** The order of work for one day: each stage starts when the one before has fully succeeded. */
export const ROLLUP_STAGES: readonly (readonly StepName[])[] = [
  ['daily_metrics'],
  ['session_funnel', 'popular_items', 'popular_categories'],
  ['trending'],
];

export const STEP_NAMES: readonly StepName[] = ROLLUP_STAGES.flat();
