/** The gateway's read-through cache (graphql/data/query-cache.ts): single flight, TTL, no cached failures. */
import { describe, expect, it } from 'vitest';
import { createQueryCache } from '../../graphql/data/query-cache.ts';

describe('query cache', () => {
  it('shares one load between identical reads in flight', async () => {
    const cache = createQueryCache({ ttlMs: 0 });
    let loads = 0;
    let release!: (v: number) => void;
    const load = () => {
      loads++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const reads = [cache.get('k', load), cache.get('k', load), cache.get('k', load)];
    release(42);
    expect(await Promise.all(reads)).toEqual([42, 42, 42]);
    expect(loads).toBe(1);
    await cache.get('k', async () => ++loads);
    expect(loads).toBe(2);
  });

  it('reuses an answer for its TTL, then loads again', async () => {
    let now = 1000;
    const cache = createQueryCache({ ttlMs: 500, now: () => now });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toBe(1);
    now += 499;
    expect(await cache.get('k', load)).toBe(1);
    now += 1;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('never keeps a failure, and keeps at most maxEntries answers', async () => {
    const cache = createQueryCache({ ttlMs: 10_000, maxEntries: 2 });
    await expect(cache.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', async () => 'up')).toBe('up');
    let loads = 0;
    for (const key of ['a', 'b', 'c']) await cache.get(key, async () => ++loads);
    await cache.get('a', async () => ++loads);
    expect(loads).toBe(4);
  });
});
