/** The generator's building blocks: the seeded PRNG, the alias sampler and the per-day sorted buffer. */
import { describe, expect, it } from 'vitest';
import { AliasTable } from '../../ingest/generator/alias-table.ts';
import { EventBuffer } from '../../ingest/generator/event-buffer.ts';
import { Rng } from '../../ingest/generator/prng.ts';
import { buyProbabilities, BUYING_SESSION_SHARE, itemCountFor, sessionLengthWeights } from '../../ingest/generator/shape.ts';

describe('Rng', () => {
  it('repeats its sequence for the same seed and stream, and differs otherwise', () => {
    const take = (rng: Rng): number[] => Array.from({ length: 5 }, () => rng.nextUint32());
    expect(take(new Rng(42))).toEqual(take(new Rng(42)));
    expect(take(new Rng(42))).not.toEqual(take(new Rng(43)));
    expect(take(new Rng(42, 1))).not.toEqual(take(new Rng(42, 2)));
    expect(take(new Rng(2 ** 40))).not.toEqual(take(new Rng(0)));
  });

  it('is uniform enough: [0, 1) and a flat histogram', () => {
    const rng = new Rng(1);
    const bins = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next();
      if (x < 0 || x >= 1) outside++;
      else bins[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('refuses a seed that is not a non-negative safe integer', () => {
    expect(() => new Rng(-1)).toThrow(RangeError);
    expect(() => new Rng(0.5)).toThrow(RangeError);
  });
});

describe('AliasTable', () => {
  it('samples in proportion to the weights, never a zero weight', () => {
    const table = new AliasTable([1, 0, 2, 7]);
    const rng = new Rng(3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[table.sample(rng)]!++;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / 100_000).toBeCloseTo(0.1, 1);
    expect(counts[2]! / 100_000).toBeCloseTo(0.2, 1);
    expect(counts[3]! / 100_000).toBeCloseTo(0.7, 1);
  });

  it('refuses empty, all-zero and negative weights', () => {
    expect(() => new AliasTable([])).toThrow();
    expect(() => new AliasTable([0, 0])).toThrow();
    expect(() => new AliasTable([1, -1])).toThrow();
  });
});

describe('shape calibration', () => {
  it('solves the session-length tail for a mean of exactly 3.57 clicks', () => {
    const weights = sessionLengthWeights();
    let total = 0;
    let mean = 0;
    weights.forEach((w, n) => {
      total += w;
      mean += n * w;
    });
    expect(total).toBeCloseTo(1, 9);
    expect(mean).toBeCloseTo(3.57, 6);
  });

  it('scales P(buy | clicks) so that 5.5% of sessions buy, more engaged sessions more often', () => {
    const weights = sessionLengthWeights();
    const buy = buyProbabilities(weights);
    let share = 0;
    weights.forEach((w, n) => {
      share += w * buy[n]!;
    });
    expect(share).toBeCloseTo(BUYING_SESSION_SHARE, 4);
    expect(buy[10]!).toBeGreaterThan(buy[1]!);
  });

  it('scales the catalogue with the data size, up to the real 52,739 items', () => {
    expect(itemCountFor(1_000)).toBe(500);
    expect(itemCountFor(1_000_000)).toBeGreaterThan(5_000);
    expect(itemCountFor(33_003_944)).toBe(52_739);
    expect(itemCountFor(1e9)).toBe(52_739);
  });
});

describe('EventBuffer', () => {
  const DAY = 86_400_000;

  it('hands back one day at a time in time order and keeps later rows buffered', () => {
    const buffer = new EventBuffer(1, 2); // tiny capacity: exercises growth
    buffer.push(DAY + 500, 1, 10, 0); // next day (a session past midnight)
    buffer.push(300, 2, 20, 0);
    buffer.push(100, 3, 30, 0);
    buffer.push(300, 4, 40, 0); // same ms as session 2: insertion order breaks the tie
    buffer.push(2 * DAY + 1, 5, 50, 0);
    const seen: number[][] = [];
    const visit = (order: Float64Array, b: EventBuffer): void => {
      seen.push(Array.from(order, (i) => b.session[i]!));
    };
    expect(buffer.drainDay(0, visit)).toBe(3);
    expect(seen).toEqual([[3, 2, 4]]);
    expect(buffer.length).toBe(2);
    buffer.push(DAY + 100, 6, 60, 0);
    expect(buffer.drainDay(DAY, visit)).toBe(2);
    expect(seen[1]).toEqual([6, 1]);
    expect(buffer.drainDay(2 * DAY, visit)).toBe(1);
    expect(seen[2]).toEqual([5]);
    expect(buffer.length).toBe(0);
  });

  it('refuses to drain a day after a later one', () => {
    const buffer = new EventBuffer(1);
    buffer.push(100, 1, 1, 0);
    expect(() => buffer.drainDay(DAY, () => {})).toThrow(/precedes the day/);
  });
});
