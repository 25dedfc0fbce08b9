/**
 * Whole-warehouse facts from ClickHouse: the data clock (SPEC §7), totals
 * for the system stats, and what the pipeline status shows of ClickHouse
 * itself (its Kafka engine consumers, unparsable messages, rollup runs).
 */
import type { ClickHouseReader } from './clickhouse-reader.ts';

export interface WarehouseTotals {
  clicks: number;
  purchases: number;
  revenue: number;
  sessions: number;
  items: number;
  days: number;
  firstDay: string | undefined;
  lastDay: string | undefined;
}

export interface KafkaEngineTable {
  table: string;
  groupId: string;
  topics: string[];
}

export interface RollupRunRecord {
  runId: string;
  day: string;
  step: string;
  attempt: number;
  status: string;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  rowsWritten: number;
  /** `live` or `raw`: what the step read (empty for a skipped step). */
  source: string;
  error: string;
}

export interface WarehouseStore {
  /** Epoch ms of the largest event time ingested (clicks and buys); undefined while there is none. */
  dataClock(): Promise<number | undefined>;
  totals(): Promise<WarehouseTotals>;
  /** The database's Kafka engine tables with their consumer group and topics. */
  kafkaEngineTables(): Promise<KafkaEngineTable[]>;
  /** Messages the Kafka engine could not parse, per topic. */
  parseErrors(): Promise<{ topic: string; count: number }[]>;
  rollupRuns(limit: number): Promise<RollupRunRecord[]>;
}

/**
 * The data clock without scanning every row: the live aggregates name the
 * last day with clicks (and with buys), and the raw tables' sort key starts
 * with the day, so only that day's granules are read.
 */
const DATA_CLOCK = `
SELECT toUnixTimestamp64Milli(greatest(
    (SELECT max(timestamp) FROM clicks_raw WHERE toDate(timestamp) >= (SELECT max(day) FROM daily_live WHERE clicks > 0)),
    (SELECT max(timestamp) FROM purchases_raw WHERE toDate(timestamp) >= (SELECT max(day) FROM daily_live WHERE purchases > 0))
)) AS ms`;

const setting = (engineFull: string, name: string): string | undefined => new RegExp(`\\b${name}\\s*=\\s*'([^']*)'`).exec(engineFull)?.[1];

export function createWarehouseStore(ch: ClickHouseReader): WarehouseStore {
  return {
    async dataClock() {
      const ms = Number((await ch.rows<{ ms: number }>(DATA_CLOCK))[0]?.ms ?? 0);
      return ms > 0 ? ms : undefined;
    },
    async totals() {
      const rows = await ch.rows<{ clicks: number; purchases: number; revenue: number; sessions: number; items: number; days: number; first: string; last: string }>(
        `SELECT sum(clicks) AS clicks, sum(purchases) AS purchases, sum(revenue) AS revenue,
                uniqExactMerge(sessions) AS sessions, uniqExactMerge(items) AS items,
                uniqExact(day) AS days, toString(min(day)) AS first, toString(max(day)) AS last
         FROM daily_live`,
      );
      const r = rows[0];
      const empty = r === undefined || r.days === 0;
      return {
        clicks: r?.clicks ?? 0,
        purchases: r?.purchases ?? 0,
        revenue: r?.revenue ?? 0,
        sessions: r?.sessions ?? 0,
        items: r?.items ?? 0,
        days: r?.days ?? 0,
        firstDay: empty ? undefined : r.first,
        lastDay: empty ? undefined : r.last,
      };
    },
    async kafkaEngineTables() {
      const rows = await ch.rows<{ name: string; engine_full: string }>(
        `SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND engine = 'Kafka' ORDER BY name`,
      );
      return rows.flatMap((r) => {
        const groupId = setting(r.engine_full, 'kafka_group_name');
        const topics = setting(r.engine_full, 'kafka_topic_list');
        return groupId && topics ? [{ table: r.name, groupId, topics: topics.split(',').map((t) => t.trim()).filter(Boolean) }] : [];
      });
    },
    async parseErrors() {
      const rows = await ch.rows<{ topic: string; n: number }>('SELECT topic, count() AS n FROM kafka_errors GROUP BY topic ORDER BY topic');
      return rows.map((r) => ({ topic: r.topic, count: r.n }));
    },
    async rollupRuns(limit) {
      const rows = await ch.rows<{
        run_id: string; date: string; step: string; attempt: number; status: string; started: number; finished: number; duration_ms: number; rows_written: number; source: string; error: string;
      }>(
        `SELECT run_id, toString(day) AS date, step, attempt, status,
                toUnixTimestamp64Milli(started_at) AS started, toUnixTimestamp64Milli(finished_at) AS finished,
                duration_ms, rows_written, source, error
         FROM rollup_runs ORDER BY finished_at DESC, day DESC, step LIMIT {limit:UInt32}`,
        { limit },
      );
      return rows.map((r) => ({
        runId: r.run_id,
        day: r.date,
        step: r.step,
        attempt: r.attempt,
        status: r.status,
        startedAt: r.started,
        finishedAt: r.finished,
        durationMs: r.duration_ms,
        rowsWritten: r.rows_written,
        source: r.source,
        error: r.error,
      }));
    },
  };
}
