/** The gateway's batch loaders (graphql/loaders.ts), with small fakes of the stores: one call per tick, results per key, bounded memory. */
import { describe, expect, it } from 'vitest';
import type { AnomalyRecord, AnomalyStore } from '../../graphql/data/anomaly-store.ts';
import type { SessionStore } from '../../graphql/data/session-store.ts';
import { createLoaders, MAX_REMEMBERED } from '../../graphql/loaders.ts';

function fakes() {
  const calls: { method: string; ids: readonly number[] }[] = [];
  const anomaly = (sessionId: number, windowStart: number): AnomalyRecord => ({ sessionId, type: 'HIGH_FREQUENCY', windowStart, windowEnd: windowStart + 10_000, clickCount: 50, uniqueItems: 1, detectedAt: 0 });
  const anomalies = {
    bySessions: async (ids: readonly number[]) => {
      calls.push({ method: 'bySessions', ids });
      return ids.flatMap((id) => (id === 2 ? [] : [anomaly(id, 0), anomaly(id, 10_000)]));
    },
  } as unknown as AnomalyStore;
  const sessions = {
    totals: async (ids: readonly number[]) => {
      calls.push({ method: 'totals', ids });
      return ids.filter((id) => id !== 3).map((id) => ({ sessionId: id, clicks: id * 10, uniqueItems: 1, firstClickAt: 0, lastClickAt: 1, purchases: 0, revenue: 0 }));
    },
    clicks: async (ids: readonly number[], per: number) => {
      calls.push({ method: `clicks(${per})`, ids });
      return ids.flatMap((id) => Array.from({ length: per }, (_, i) => ({ sessionId: id, timestamp: i, itemId: i, category: '0' })));
    },
    purchases: async () => [],
  } as unknown as SessionStore;
  return { calls, stores: { anomalies, sessions } };
}

describe('batch loaders', () => {
  it('ask each store once for all the keys of one tick, and answer per key', async () => {
    const { calls, stores } = fakes();
    const loaders = createLoaders(stores);
    const [a1, a2, t1, t3, t1again] = await Promise.all([
      loaders.anomaliesBySession.load(1),
      loaders.anomaliesBySession.load(2),
      loaders.sessionTotals.load(1),
      loaders.sessionTotals.load(3),
      loaders.sessionTotals.load(1),
    ]);
    expect(a1.map((a) => a.windowStart)).toEqual([0, 10_000]);
    expect(a2).toEqual([]);
    expect(t1?.clicks).toBe(10);
    expect(t3).toBeUndefined();
    expect(t1again).toBe(t1);
    expect(calls).toEqual([
      { method: 'bySessions', ids: [1, 2] },
      { method: 'totals', ids: [1, 3] },
    ]);
  });

  it('keeps one loader per list size', async () => {
    const { calls, stores } = fakes();
    const loaders = createLoaders(stores);
    const [two, three] = await Promise.all([loaders.sessionClicks(2).load(7), loaders.sessionClicks(3).load(7)]);
    expect([two.length, three.length]).toEqual([2, 3]);
    expect(calls.map((c) => c.method).sort()).toEqual(['clicks(2)', 'clicks(3)']);
    expect(loaders.sessionClicks(2)).toBe(loaders.sessionClicks(2));
  });

  it('forget the oldest keys beyond the bound (a long subscription stays small)', async () => {
    const { calls, stores } = fakes();
    const loaders = createLoaders(stores);
    for (let id = 1; id <= MAX_REMEMBERED + 1; id++) await loaders.sessionTotals.load(id + 10);
    const before = calls.length;
    await loaders.sessionTotals.load(MAX_REMEMBERED + 11);
    expect(calls.length).toBe(before);
    await loaders.sessionTotals.load(11);
    expect(calls.length).toBe(before + 1);
  });
});
