/**
 * One session's raw events from ClickHouse (`clicks_raw`, `purchases_raw`),
 * for many sessions per query (the batch loaders call it once per request
 * tick). Raw rows are read each Kafka message once (`LIMIT 1 BY _topic,
 * _partition, _offset`), as the rollup does, so a redelivery never shows.
 */
import type { ClickHouseReader } from './clickhouse-reader.ts';

export interface SessionTotals {
  sessionId: number;
  clicks: number;
  uniqueItems: number;
  /** Epoch ms of the first and last click; undefined for a session that only bought. */
  firstClickAt: number | undefined;
  lastClickAt: number | undefined;
  purchases: number;
  revenue: number;
}

export interface ClickRecord {
  sessionId: number;
  timestamp: number;
  itemId: number;
  category: string;
}

export interface PurchaseRecord {
  sessionId: number;
  timestamp: number;
  itemId: number;
  price: number;
  quantity: number;
}

export interface SessionStore {
  /** Totals of each session that has any event; sessions without events are absent. */
  totals(sessionIds: readonly number[]): Promise<SessionTotals[]>;
  /** The first `perSession` clicks of each session, in time order. */
  clicks(sessionIds: readonly number[], perSession: number): Promise<ClickRecord[]>;
  /** The first `perSession` buy rows of each session, in time order. */
  purchases(sessionIds: readonly number[], perSession: number): Promise<PurchaseRecord[]>;
}

const dedup = (table: string, columns: string) =>
  `SELECT ${columns} FROM ${table} WHERE session_id IN {ids:Array(Int64)} LIMIT 1 BY _topic, _partition, _offset`;

const TOTALS = `
SELECT
    session_id,
    sum(c)                         AS clicks,
    max(items)                     AS unique_items,
    minIf(first_ms, c > 0)         AS first_ms,
    maxIf(last_ms, c > 0)          AS last_ms,
    sum(p)                         AS purchases,
    sum(rev)                       AS revenue
FROM
(
    SELECT session_id, count() AS c, uniqExact(item_id) AS items,
           toUnixTimestamp64Milli(min(timestamp)) AS first_ms, toUnixTimestamp64Milli(max(timestamp)) AS last_ms,
           toUInt64(0) AS p, toInt64(0) AS rev
    FROM (${dedup('clicks_raw', 'session_id, timestamp, item_id')})
    GROUP BY session_id
    UNION ALL
    SELECT session_id, toUInt64(0), toUInt64(0), toInt64(0), toInt64(0), count(), toInt64(sum(price * quantity))
    FROM (${dedup('purchases_raw', 'session_id, price, quantity')})
    GROUP BY session_id
)
GROUP BY session_id`;

export function createSessionStore(ch: ClickHouseReader): SessionStore {
  return {
    async totals(sessionIds) {
      if (sessionIds.length === 0) return [];
      const rows = await ch.rows<{ session_id: number; clicks: number; unique_items: number; first_ms: number; last_ms: number; purchases: number; revenue: number }>(
        TOTALS,
        { ids: sessionIds },
      );
      return rows.map((r) => ({
        sessionId: r.session_id,
        clicks: r.clicks,
        uniqueItems: r.unique_items,
        firstClickAt: r.clicks > 0 ? r.first_ms : undefined,
        lastClickAt: r.clicks > 0 ? r.last_ms : undefined,
        purchases: r.purchases,
        revenue: r.revenue,
      }));
    },
    async clicks(sessionIds, perSession) {
      if (sessionIds.length === 0) return [];
      const rows = await ch.rows<{ session_id: number; ms: number; item_id: number; category: string }>(
        `SELECT session_id, toUnixTimestamp64Milli(timestamp) AS ms, item_id, toString(category) AS category
         FROM (${dedup('clicks_raw', 'session_id, timestamp, item_id, category')})
         ORDER BY session_id, ms, item_id
         LIMIT {per:UInt32} BY session_id`,
        { ids: sessionIds, per: perSession },
      );
      return rows.map((r) => ({ sessionId: r.session_id, timestamp: r.ms, itemId: r.item_id, category: r.category }));
    },
    async purchases(sessionIds, perSession) {
      if (sessionIds.length === 0) return [];
      const rows = await ch.rows<{ session_id: number; ms: number; item_id: number; price: number; quantity: number }>(
        `SELECT session_id, toUnixTimestamp64Milli(timestamp) AS ms, item_id, price, quantity
         FROM (${dedup('purchases_raw', 'session_id, timestamp, item_id, price, quantity')})
         ORDER BY session_id, ms, item_id
         LIMIT {per:UInt32} BY session_id`,
        { ids: sessionIds, per: perSession },
      );
      return rows.map((r) => ({ sessionId: r.session_id, timestamp: r.ms, itemId: r.item_id, price: r.price, quantity: r.quantity }));
    },
  };
}
