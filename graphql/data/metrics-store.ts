/**
 * Daily metrics (SPEC §4) and the session funnel (SPEC §5) as served: the
 * nightly rollup's tables are the numbers of record; a day the rollup has
 * not written yet (typically the data clock's own day) is answered from the
 * live aggregates (`daily_live_metrics`), marked `LIVE`. Live counts are
 * at-least-once (a redelivered Kafka message counts twice until the rollup
 * deduplicates it); distinct counts are exact either way.
 */
import type { ClickHouseReader } from './clickhouse-reader.ts';

export type MetricsSource = 'ROLLUP' | 'LIVE';

export interface DailyMetricsRecord {
  day: string;
  source: MetricsSource;
  totalClicks: number;
  totalPurchases: number;
  uniqueSessions: number;
  uniqueItems: number;
  conversionRate: number;
  avgSessionDurationSec: number;
  avgClicksPerSession: number;
  totalRevenue: number;
  avgOrderValue: number;
  convertedSessions: number;
  purchasingSessions: number;
}

export interface FunnelStageRecord {
  stage: number;
  name: string;
  sessions: number;
  percentage: number;
  dropRate: number;
}

export interface FunnelRecord {
  day: string;
  source: MetricsSource;
  stages: FunnelStageRecord[];
}

export interface PeriodBounds {
  first: string;
  last: string;
}

export interface MetricsStore {
  /** One row per day in [from, to] that has a rollup row or live data, in day order. */
  daily(from: string, to: string): Promise<DailyMetricsRecord[]>;
  funnel(day: string): Promise<FunnelRecord | undefined>;
  /** Distinct sessions and items over [from, to] (live aggregates, exact). */
  distinctOver(from: string, to: string): Promise<{ uniqueSessions: number; uniqueItems: number }>;
  /** First and last day with any data (rollup or live); undefined when there is none. */
  bounds(): Promise<PeriodBounds | undefined>;
}

const METRIC_COLUMNS = `total_clicks, total_purchases, unique_sessions, unique_items, conversion_rate,
  avg_session_duration_sec, avg_clicks_per_session, total_revenue, avg_order_value, converted_sessions, purchasing_sessions`;

const DAILY = `
SELECT * FROM (
  SELECT 'ROLLUP' AS source, toString(day) AS date, ${METRIC_COLUMNS}
  FROM daily_metrics WHERE day BETWEEN {from:Date} AND {to:Date}
  UNION ALL
  SELECT 'LIVE' AS source, toString(day) AS date, ${METRIC_COLUMNS}
  FROM daily_live_metrics
  WHERE day BETWEEN {from:Date} AND {to:Date}
    AND day NOT IN (SELECT day FROM daily_metrics WHERE day BETWEEN {from:Date} AND {to:Date})
) ORDER BY date`;

interface DailyRow {
  source: MetricsSource;
  date: string;
  total_clicks: number;
  total_purchases: number;
  unique_sessions: number;
  unique_items: number;
  conversion_rate: number;
  avg_session_duration_sec: number;
  avg_clicks_per_session: number;
  total_revenue: number;
  avg_order_value: number;
  converted_sessions: number;
  purchasing_sessions: number;
}

const toDaily = (r: DailyRow): DailyMetricsRecord => ({
  day: r.date,
  source: r.source,
  totalClicks: r.total_clicks,
  totalPurchases: r.total_purchases,
  uniqueSessions: r.unique_sessions,
  uniqueItems: r.unique_items,
  conversionRate: r.conversion_rate,
  avgSessionDurationSec: r.avg_session_duration_sec,
  avgClicksPerSession: r.avg_clicks_per_session,
  totalRevenue: r.total_revenue,
  avgOrderValue: r.avg_order_value,
  convertedSessions: r.converted_sessions,
  purchasingSessions: r.purchasing_sessions,
});

/** SPEC §5 from the three stage counts (for a day only the live aggregates have). */
export function funnelStages(viewed: number, engaged: number, purchased: number): FunnelStageRecord[] {
  const pct = (part: number, whole: number) => (whole === 0 ? 0 : (part * 100) / whole);
  return [
    { stage: 1, name: 'Viewed', sessions: viewed, percentage: 100, dropRate: 0 },
    { stage: 2, name: 'Engaged', sessions: engaged, percentage: pct(engaged, viewed), dropRate: pct(viewed - engaged, viewed) },
    { stage: 3, name: 'Purchased', sessions: purchased, percentage: pct(purchased, viewed), dropRate: pct(engaged - purchased, engaged) },
  ];
}

export function createMetricsStore(ch: ClickHouseReader): MetricsStore {
  return {
    async daily(from, to) {
      return (await ch.rows<DailyRow>(DAILY, { from, to })).map(toDaily);
    },
    async funnel(day) {
      const stages = await ch.rows<{ stage: number; stage_name: string; sessions: number; percentage: number; drop_rate: number }>(
        'SELECT stage, stage_name, sessions, percentage, drop_rate FROM session_funnel WHERE day = {day:Date} ORDER BY stage',
        { day },
      );
      if (stages.length > 0) {
        return {
          day,
          source: 'ROLLUP',
          stages: stages.map((s) => ({ stage: s.stage, name: s.stage_name, sessions: s.sessions, percentage: s.percentage, dropRate: s.drop_rate })),
        };
      }
      const live = await ch.rows<{ unique_sessions: number; engaged_sessions: number; converted_sessions: number }>(
        'SELECT unique_sessions, engaged_sessions, converted_sessions FROM daily_live_metrics WHERE day = {day:Date}',
        { day },
      );
      const counts = live[0];
      if (counts === undefined) return undefined;
      return { day, source: 'LIVE', stages: funnelStages(counts.unique_sessions, counts.engaged_sessions, counts.converted_sessions) };
    },
    async distinctOver(from, to) {
      const rows = await ch.rows<{ sessions: number; items: number }>(
        `SELECT uniqExactMerge(sessions) AS sessions, uniqExactMerge(items) AS items
         FROM daily_live WHERE day BETWEEN {from:Date} AND {to:Date}`,
        { from, to },
      );
      return { uniqueSessions: rows[0]?.sessions ?? 0, uniqueItems: rows[0]?.items ?? 0 };
    },
    async bounds() {
      const rows = await ch.rows<{ first: string; last: string; days: number }>(
        `SELECT toString(min(day)) AS first, toString(max(day)) AS last, count() AS days
         FROM (SELECT day FROM daily_metrics UNION ALL SELECT day FROM daily_live)`,
      );
      const row = rows[0];
      return row === undefined || row.days === 0 ? undefined : { first: row.first, last: row.last };
    },
  };
}
