/**
 * Reads the detector's `anomaly_sessions` table (PostgreSQL, in the schema
 * DETECTOR_PG_SCHEMA names), with `$n` placeholders only. Identical reads in
 * flight at the same time share one query (never a cached answer: anomalies
 * arrive all the time). Lists are ordered
 * newest window first — (window_start, session_id, anomaly_type) descending,
 * which is unique per row (the primary key) — so keyset pagination never
 * skips or repeats a row while new anomalies arrive.
 */
import type { Pool } from '../../lib/clients/postgres.ts';
import type { Logger } from '../../lib/logger.ts';
import { unavailable } from '../errors.ts';
import { createQueryCache, type QueryCache } from './query-cache.ts';

export const ANOMALY_TYPES = ['HIGH_FREQUENCY', 'BOT_LIKE'] as const;
export type AnomalyTypeName = (typeof ANOMALY_TYPES)[number];

export interface AnomalyRecord {
  sessionId: number;
  type: AnomalyTypeName;
  /** Epoch ms, inclusive. */
  windowStart: number;
  /** Epoch ms, exclusive. */
  windowEnd: number;
  clickCount: number;
  uniqueItems: number;
  detectedAt: number;
}

/** Position of a row in the list order: what a cursor encodes. */
export interface AnomalyPosition {
  windowStart: number;
  sessionId: number;
  type: string;
}

export interface AnomalyFilter {
  type?: AnomalyTypeName;
  sessionId?: number;
  /** window_start >= from (epoch ms). */
  from?: number;
  /** window_start < to (epoch ms). */
  to?: number;
}

export interface AnomalyStore {
  /** Up to `limit` rows after `after` (exclusive), newest first. */
  list(filter: AnomalyFilter, limit: number, after?: AnomalyPosition): Promise<AnomalyRecord[]>;
  count(filter: AnomalyFilter): Promise<number>;
  /** Rows and distinct sessions per type (types without rows are absent). */
  countsByType(filter: AnomalyFilter): Promise<{ type: AnomalyTypeName; anomalies: number; sessions: number }[]>;
  /** Rows per (type, UTC hour of window_start), hour as epoch ms. */
  hourly(filter: AnomalyFilter): Promise<{ type: AnomalyTypeName; hour: number; anomalies: number }[]>;
  /** Every row of each session, oldest window first. */
  bySessions(sessionIds: readonly number[]): Promise<AnomalyRecord[]>;
  totals(): Promise<{ anomalies: number; sessions: number; latestDetectedAt: number | undefined }>;
}

const epochMs = (column: string) => `floor(extract(epoch from ${column}) * 1000)::bigint`;
const atMs = (placeholder: string) => `(timestamptz 'epoch' + ${placeholder}::bigint * interval '1 millisecond')`;

/** Output names differ from the columns: ORDER BY would otherwise sort by the computed value and miss the index. */
const COLUMNS = `session_id, anomaly_type, ${epochMs('window_start')} AS window_start_ms, ${epochMs('window_end')} AS window_end_ms,
  click_count, unique_items, ${epochMs('detected_at')} AS detected_at_ms`;

interface Row {
  session_id: string;
  anomaly_type: AnomalyTypeName;
  window_start_ms: string;
  window_end_ms: string;
  click_count: number;
  unique_items: number;
  detected_at_ms: string;
}

const toRecord = (row: Row): AnomalyRecord => ({
  sessionId: Number(row.session_id),
  type: row.anomaly_type,
  windowStart: Number(row.window_start_ms),
  windowEnd: Number(row.window_end_ms),
  clickCount: row.click_count,
  uniqueItems: row.unique_items,
  detectedAt: Number(row.detected_at_ms),
});

/** WHERE clause and parameters of a filter; `params` may already hold earlier parameters. */
function where(filter: AnomalyFilter, params: unknown[]): string {
  const conditions: string[] = [];
  const add = (value: unknown) => `$${params.push(value)}`;
  if (filter.type !== undefined) conditions.push(`anomaly_type = ${add(filter.type)}`);
  if (filter.sessionId !== undefined) conditions.push(`session_id = ${add(filter.sessionId)}`);
  if (filter.from !== undefined) conditions.push(`window_start >= ${atMs(add(filter.from))}`);
  if (filter.to !== undefined) conditions.push(`window_start < ${atMs(add(filter.to))}`);
  return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
}

/** `onQuery` is called for every query sent (metrics; tests count batching with it). */
/** `table`: the qualified anomaly_sessions table (detector/tables.ts `detectorTables(schema).anomalies`). */
export function createAnomalyStore(
  pool: Pool,
  table: string,
  logger: Logger,
  onQuery: () => void = () => undefined,
  inFlight: QueryCache = createQueryCache({ ttlMs: 0 }),
): AnomalyStore {
  const run = async <R extends object>(text: string, params: unknown[]): Promise<R[]> => {
    onQuery();
    try {
      return (await pool.query<R>(text, params)).rows;
    } catch (error) {
      logger.warn({ err: error }, 'PostgreSQL query failed');
      throw unavailable('PostgreSQL', error);
    }
  };
  const query = <R extends object>(text: string, params: unknown[]): Promise<R[]> => inFlight.get(`${text}\u0000${JSON.stringify(params)}`, () => run<R>(text, params));
  return {
    async list(filter, limit, after) {
      const params: unknown[] = [];
      let condition = where(filter, params);
      if (after !== undefined) {
        const [ws, sid, type] = [after.windowStart, after.sessionId, after.type].map((v) => `$${params.push(v)}`);
        condition += ` AND (window_start, session_id, anomaly_type) < (${atMs(ws!)}, ${sid}::bigint, ${type}::text)`;
      }
      params.push(limit);
      const rows = await query<Row>(
        `SELECT ${COLUMNS} FROM ${table} WHERE ${condition}
         ORDER BY window_start DESC, session_id DESC, anomaly_type DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map(toRecord);
    },
    async count(filter) {
      const params: unknown[] = [];
      const rows = await query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where(filter, params)}`, params);
      return Number(rows[0]?.n ?? 0);
    },
    async countsByType(filter) {
      const params: unknown[] = [];
      const rows = await query<{ anomaly_type: AnomalyTypeName; n: string; sessions: string }>(
        `SELECT anomaly_type, count(*) AS n, count(DISTINCT session_id) AS sessions FROM ${table}
         WHERE ${where(filter, params)} GROUP BY anomaly_type`,
        params,
      );
      return rows.map((r) => ({ type: r.anomaly_type, anomalies: Number(r.n), sessions: Number(r.sessions) }));
    },
    async hourly(filter) {
      const params: unknown[] = [];
      const rows = await query<{ anomaly_type: AnomalyTypeName; hour: string; n: string }>(
        `SELECT anomaly_type, (floor(extract(epoch from window_start) / 3600) * 3600000)::bigint AS hour, count(*) AS n
         FROM ${table} WHERE ${where(filter, params)} GROUP BY 1, 2`,
        params,
      );
      return rows.map((r) => ({ type: r.anomaly_type, hour: Number(r.hour), anomalies: Number(r.n) }));
    },
    async bySessions(sessionIds) {
      if (sessionIds.length === 0) return [];
      const rows = await query<Row>(
        `SELECT ${COLUMNS} FROM ${table} WHERE session_id = ANY($1::bigint[])
         ORDER BY session_id, window_start, anomaly_type`,
        [sessionIds.map(String)],
      );
      return rows.map(toRecord);
    },
    async totals() {
      const rows = await query<{ n: string; sessions: string; latest: string | null }>(
        `SELECT count(*) AS n, count(DISTINCT session_id) AS sessions, ${epochMs('max(detected_at)')} AS latest FROM ${table}`,
        [],
      );
      const row = rows[0];
      return { anomalies: Number(row?.n ?? 0), sessions: Number(row?.sessions ?? 0), latestDetectedAt: row?.latest == null ? undefined : Number(row.latest) };
    },
  };
}
