/**
 * Batch loaders, one set per request (so nothing is cached across
 * requests): every `session` field of a list resolves through them, so an
 * `anomalies { nodes { session { clickCount } } }` page costs one
 * ClickHouse query, not one per row (dataloader collects the keys asked
 * for in one tick of the event loop and calls the batch function once).
 * A subscription keeps its context for as long as it is open, so each
 * loader remembers at most MAX_REMEMBERED keys.
 */
import DataLoader from 'dataloader';
import type { AnomalyRecord, AnomalyStore } from './data/anomaly-store.ts';
import type { ClickRecord, PurchaseRecord, SessionStore, SessionTotals } from './data/session-store.ts';

/** Keys a loader remembers; beyond it the oldest is forgotten (then loaded again if asked for). */
export const MAX_REMEMBERED = 2000;

/** dataloader's cache map, bounded: insertion order is age. */
class BoundedMap<K, V> extends Map<K, V> {
  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > MAX_REMEMBERED) this.delete(this.keys().next().value as K);
    return this;
  }
}

const options = <V>() => ({ cacheMap: new BoundedMap<number, Promise<V>>() });

export interface Loaders {
  /** Every anomaly of a session (PostgreSQL), oldest window first. */
  anomaliesBySession: DataLoader<number, AnomalyRecord[]>;
  /** A session's totals (ClickHouse); undefined when it has no events. */
  sessionTotals: DataLoader<number, SessionTotals | undefined>;
  /** The first `limit` clicks of a session: one loader per distinct limit. */
  sessionClicks(limit: number): DataLoader<number, ClickRecord[]>;
  sessionPurchases(limit: number): DataLoader<number, PurchaseRecord[]>;
}

/** Groups rows by session id, in the order of the keys asked for. */
function groupBy<T extends { sessionId: number }>(keys: readonly number[], rows: readonly T[]): T[][] {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    let group = groups.get(row.sessionId);
    if (!group) groups.set(row.sessionId, (group = []));
    group.push(row);
  }
  return keys.map((key) => groups.get(key) ?? []);
}

export function createLoaders(stores: { anomalies: AnomalyStore; sessions: SessionStore }): Loaders {
  const perLimit = <T>(make: (limit: number) => DataLoader<number, T>) => {
    const loaders = new Map<number, DataLoader<number, T>>();
    return (limit: number) => {
      let loader = loaders.get(limit);
      if (!loader) loaders.set(limit, (loader = make(limit)));
      return loader;
    };
  };
  return {
    anomaliesBySession: new DataLoader(async (ids) => groupBy(ids, await stores.anomalies.bySessions(ids)), options()),
    sessionTotals: new DataLoader(async (ids) => {
      const byId = new Map((await stores.sessions.totals(ids)).map((t) => [t.sessionId, t]));
      return ids.map((id) => byId.get(id));
    }, options()),
    sessionClicks: perLimit((limit) => new DataLoader(async (ids) => groupBy(ids, await stores.sessions.clicks(ids, limit)), options())),
    sessionPurchases: perLimit((limit) => new DataLoader(async (ids) => groupBy(ids, await stores.sessions.purchases(ids, limit)), options())),
  };
}
