/**
 * The window engine against an independent brute-force reference, on seeded
 * random click streams with bursts, out-of-order and late clicks, and clicks
 * on window boundaries: same rows at the same moments, same counters,
 * whatever the batch split, across snapshot/restore.
 *
 * The reference shares no code with the engine: it enumerates candidate
 * windows by k, tests membership with start ≤ t < end, decides lateness from
 * a replayed watermark and keeps every window it ever saw.
 */
import { describe, expect, it } from 'vitest';
import { anomalyRules } from '../../detector/rules.ts';
import { createWindowEngine, type Click, type EmittedAnomaly, type WindowEngine, type WindowRule } from '../../detector/windows/index.ts';
import { seededUniform } from '../../ingest/generator/prng.ts';

const T0 = Date.parse('2014-04-07T10:00:00.000Z');
const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i * 7919);

// ---------------------------------------------------------------- random streams


/**
 * A few minutes of clicks: background sessions, bursts on a small item pool
 * (some above, some below the thresholds), clicks snapped to 10 s / 30 s
 * boundaries or 1 ms before them, delivered with a lag that is usually small
 * and sometimes larger than the watermark delay.
 */
function randomStream(seed: number): Click[] {
  const rand = seededUniform(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const base = T0 + int(0, 59_999);
  const spanMs = 240_000;
  const sessionIds = Array.from({ length: int(5, 30) }, (_, i) => (rand() < 0.3 ? 1_000_000_000_000 + i : int(1, 11_000_000)));
  const pick = <V>(values: V[]) => values[int(0, values.length - 1)]!;
  const events: { t: number; sessionId: number; itemId: number }[] = [];
  for (const sessionId of sessionIds) {
    for (let n = int(1, 25); n > 0; n--) events.push({ t: base + int(0, spanMs), sessionId, itemId: int(1, 60) });
  }
  for (let bursts = int(1, 6); bursts > 0; bursts--) {
    const sessionId = pick(sessionIds);
    const start = base + int(0, spanMs);
    const duration = int(1_000, 75_000);
    const pool = int(1, 8);
    const firstItem = int(100, 200);
    for (let n = int(30, 180); n > 0; n--) events.push({ t: start + int(0, duration), sessionId, itemId: firstItem + int(0, pool - 1) });
  }
  for (const event of events) {
    const r = rand();
    const grid = rand() < 0.5 ? 10_000 : 30_000;
    if (r < 0.05) event.t -= event.t % grid;
    else if (r < 0.1) event.t -= (event.t % grid) + 1;
  }
  return events
    .map((event, index) => ({ event, index, arrival: event.t + (rand() < 0.06 ? int(0, 100_000) : int(0, 3_000)) }))
    .sort((a, b) => a.arrival - b.arrival || a.index - b.index)
    .map(({ event }) => ({ sessionId: event.sessionId, timestampMs: event.t, itemId: event.itemId }));
}

// ---------------------------------------------------------------- reference

interface RefRule {
  type: string;
  size: number;
  slide: number;
  fires: (clicks: number, distinct: number) => boolean;
}

interface RefWindow {
  sessionId: number;
  type: string;
  order: number;
  start: number;
  end: number;
  clicks: number;
  items: Set<number>;
  /** Index of the click that created it. */
  createdAt: number;
  /** Index of the first click after which the watermark is ≥ end; -1: still open at the end. */
  finalAt: number;
}

interface Reference {
  windows: RefWindow[];
  /** Anomalous windows in emission order, with when they become final. */
  rows: { row: EmittedAnomaly; finalAt: number }[];
  watermarks: number[];
  acceptedClicks: number;
  lateClicks: number;
  lateMemberships: Record<string, number>;
}

function reference(clicks: Click[], rules: RefRule[], delay: number): Reference {
  const windows = new Map<string, RefWindow>();
  const watermarks: number[] = [];
  const lateMemberships: Record<string, number> = Object.fromEntries(rules.map((rule) => [rule.type, 0]));
  let max = -Infinity;
  let lateClicks = 0;
  clicks.forEach((click, index) => {
    const t = click.timestampMs;
    max = Math.max(max, t);
    const watermark = max - delay;
    watermarks.push(watermark);
    let counted = false;
    rules.forEach((rule, order) => {
      const around = Math.floor(t / rule.slide);
      for (let k = around - Math.ceil(rule.size / rule.slide) - 1; k <= around + 1; k++) {
        const start = k * rule.slide;
        const end = start + rule.size;
        if (!(start <= t && t < end)) continue;
        if (watermark >= end) {
          lateMemberships[rule.type]!++;
          continue;
        }
        counted = true;
        const key = `${click.sessionId}/${rule.type}/${start}`;
        let w = windows.get(key);
        if (!w) {
          w = { sessionId: click.sessionId, type: rule.type, order, start, end, clicks: 0, items: new Set(), createdAt: index, finalAt: -1 };
          windows.set(key, w);
        }
        w.clicks++;
        w.items.add(click.itemId);
      }
    });
    if (!counted) lateClicks++;
  });
  const all = [...windows.values()];
  for (const w of all) w.finalAt = watermarks.findIndex((watermark) => watermark >= w.end);
  const rows = all
    .filter((w) => rules[w.order]!.fires(w.clicks, w.items.size))
    .sort((a, b) => a.end - b.end || a.order - b.order || a.sessionId - b.sessionId || a.start - b.start)
    .map((w) => ({
      finalAt: w.finalAt,
      row: { sessionId: w.sessionId, anomalyType: w.type, windowStartMs: w.start, windowEndMs: w.end, clickCount: w.clicks, uniqueItems: w.items.size },
    }));
  return { windows: all, rows, watermarks, acceptedClicks: clicks.length - lateClicks, lateClicks, lateMemberships };
}

/** SPEC §3 thresholds, written out again on purpose. */
const SPEC_RULES: RefRule[] = [
  { type: 'HIGH_FREQUENCY', size: 10_000, slide: 10_000, fires: (clicks) => clicks >= 50 },
  { type: 'BOT_LIKE', size: 60_000, slide: 30_000, fires: (clicks, distinct) => clicks >= 100 && distinct <= 5 },
];

/** A rule whose size is not a multiple of its slide: clicks fall in 2 or 3 windows. */
const ODD_RULE: RefRule = { type: 'ODD', size: 25_000, slide: 10_000, fires: (clicks, distinct) => clicks >= 20 && distinct >= 3 };
const ODD_ENGINE_RULE: WindowRule = { type: 'ODD', sizeMs: 25_000, slideMs: 10_000, condition: (s) => s.clickCount >= 20 && s.uniqueItems >= 3 };

// ---------------------------------------------------------------- driving the engine

/** Random batch ends (exclusive indices), the last one = clicks.length. */
function randomCuts(length: number, rand: () => number): number[] {
  const cuts = new Set<number>([length]);
  const count = Math.floor(rand() * 25);
  for (let i = 0; i < count; i++) cuts.add(Math.floor(rand() * length));
  return [...cuts].sort((a, b) => a - b);
}

/** Feeds batch by batch, calling advance() after each; the last element is flushAll()'s rows. */
function runBatches(engine: WindowEngine, clicks: Click[], cuts: number[]) {
  const perBatch: EmittedAnomaly[][] = [];
  const openAfter: number[] = [];
  let from = 0;
  for (const to of cuts) {
    for (let i = from; i < to; i++) engine.add(clicks[i]!);
    perBatch.push(engine.advance());
    openAfter.push(engine.openWindowCount());
    from = to;
  }
  perBatch.push(engine.flushAll());
  return { perBatch, openAfter };
}

const defaultEngine = () => createWindowEngine(anomalyRules(), { watermarkDelayMs: 10_000 });

// ---------------------------------------------------------------- properties

describe('the engine agrees with a brute-force reference', () => {
  it('the seeded streams exercise every case', () => {
    const totals = { HIGH_FREQUENCY: 0, BOT_LIKE: 0, lateClicks: 0, partlyLate: 0, botNearMiss: 0 };
    for (const seed of SEEDS) {
      const ref = reference(randomStream(seed), SPEC_RULES, 10_000);
      for (const { row } of ref.rows) totals[row.anomalyType as 'HIGH_FREQUENCY' | 'BOT_LIKE']++;
      totals.lateClicks += ref.lateClicks;
      totals.partlyLate += ref.lateMemberships.BOT_LIKE! + ref.lateMemberships.HIGH_FREQUENCY! - 3 * ref.lateClicks;
      totals.botNearMiss += ref.windows.filter((w) => w.type === 'BOT_LIKE' && w.clicks >= 100 && w.items.size > 5).length;
    }
    expect(totals.HIGH_FREQUENCY).toBeGreaterThan(20);
    expect(totals.BOT_LIKE).toBeGreaterThan(5);
    expect(totals.lateClicks).toBeGreaterThan(20);
    expect(totals.partlyLate).toBeGreaterThan(20);
    expect(totals.botNearMiss).toBeGreaterThan(0);
  });

  it.each(SEEDS)('seed %i: same rows in the same batches, same counters, same open windows', (seed) => {
    const clicks = randomStream(seed);
    const ref = reference(clicks, SPEC_RULES, 10_000);
    const cuts = randomCuts(clicks.length, seededUniform(seed + 1));
    const engine = defaultEngine();
    const { perBatch, openAfter } = runBatches(engine, clicks, cuts);

    let from = 0;
    cuts.forEach((to, b) => {
      const expected = ref.rows.filter(({ finalAt }) => finalAt >= from && finalAt < to).map(({ row }) => row);
      expect(perBatch[b], `batch ${b} [${from}, ${to})`).toEqual(expected);
      const watermark = ref.watermarks[to - 1] ?? -Infinity;
      const open = ref.windows.filter((w) => w.createdAt < to && w.end > watermark).length;
      expect(openAfter[b], `open windows after batch ${b}`).toBe(open);
      from = to;
    });
    expect(perBatch.at(-1)).toEqual(ref.rows.filter(({ finalAt }) => finalAt === -1).map(({ row }) => row));
    expect(engine.stats()).toMatchObject({
      acceptedClicks: ref.acceptedClicks,
      lateClicks: ref.lateClicks,
      lateMemberships: ref.lateMemberships,
      windowsClosed: ref.windows.length,
      anomaliesEmitted: ref.rows.length,
      openWindows: 0,
    });
  });

  it.each(SEEDS.slice(0, 15))('seed %i: also with another delay and a rule whose size is no multiple of its slide', (seed) => {
    const clicks = randomStream(seed);
    const delay = [0, 3_000, 25_000][seed % 3]!;
    const ref = reference(clicks, [...SPEC_RULES, ODD_RULE], delay);
    const engine = createWindowEngine([...anomalyRules(), ODD_ENGINE_RULE], { watermarkDelayMs: delay });
    const rows = runBatches(engine, clicks, randomCuts(clicks.length, seededUniform(seed + 2))).perBatch.flat();
    expect(rows).toEqual(ref.rows.map(({ row }) => row));
    expect(engine.stats()).toMatchObject({ lateClicks: ref.lateClicks, lateMemberships: ref.lateMemberships });
  });
});

describe('determinism', () => {
  it.each(SEEDS.slice(0, 20))('seed %i: any batch split gives the same rows as one batch', (seed) => {
    const clicks = randomStream(seed);
    const whole = runBatches(defaultEngine(), clicks, [clicks.length]).perBatch.flat();
    const oneByOne = runBatches(defaultEngine(), clicks, clicks.map((_, i) => i + 1)).perBatch.flat();
    const rand = seededUniform(seed + 3);
    expect(oneByOne).toEqual(whole);
    for (let trial = 0; trial < 5; trial++) {
      expect(runBatches(defaultEngine(), clicks, randomCuts(clicks.length, rand)).perBatch.flat()).toEqual(whole);
    }
  });

  it.each(SEEDS.slice(0, 20))('seed %i: snapshot → JSON → restore mid-stream gives the uninterrupted output', (seed) => {
    const clicks = randomStream(seed);
    const uninterrupted = defaultEngine();
    const expected = runBatches(uninterrupted, clicks, [clicks.length]).perBatch.flat();
    const rand = seededUniform(seed + 4);

    for (let trial = 0; trial < 4; trial++) {
      // Crash after a random click; the last advance() was at a random earlier click, so rows may be pending.
      const crashAt = Math.floor(rand() * clicks.length);
      const lastAdvance = Math.floor(rand() * (crashAt + 1));
      const before = defaultEngine();
      const out: EmittedAnomaly[] = [];
      clicks.slice(0, lastAdvance).forEach((click) => before.add(click));
      out.push(...before.advance());
      clicks.slice(lastAdvance, crashAt).forEach((click) => before.add(click));
      const stored = JSON.stringify(before.snapshot());

      const after = defaultEngine();
      after.restore(JSON.parse(stored));
      expect(after.snapshot()).toEqual(JSON.parse(stored)); // canonical: restore(snapshot) is the same state
      expect(after.openWindowCount()).toBe(before.openWindowCount());
      clicks.slice(crashAt).forEach((click) => after.add(click));
      out.push(...after.advance(), ...after.flushAll());
      expect(out).toEqual(expected);
      expect(after.stats()).toEqual(uninterrupted.stats());
    }
  });
});

describe('snapshot', () => {
  it('is plain JSON', () => {
    const engine = defaultEngine();
    randomStream(SEEDS[0]!).slice(0, 500).forEach((click) => engine.add(click));
    const snapshot = engine.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.windows.length).toBe(engine.openWindowCount());
  });

  it('is refused by an engine with another rule geometry or watermark delay', () => {
    const engine = defaultEngine();
    engine.add({ sessionId: 1, timestampMs: T0, itemId: 1 });
    const snapshot = JSON.parse(JSON.stringify(engine.snapshot()));
    const otherDelay = createWindowEngine(anomalyRules(), { watermarkDelayMs: 5_000 });
    expect(() => otherDelay.restore(snapshot)).toThrow(/watermark delay differs/);
    const otherRules = createWindowEngine([...anomalyRules(), ODD_ENGINE_RULE], { watermarkDelayMs: 10_000 });
    expect(() => otherRules.restore(snapshot)).toThrow(/rule geometry differs/);
  });

  it('is refused when malformed, leaving the engine as it was', () => {
    const engine = defaultEngine();
    engine.add({ sessionId: 1, timestampMs: T0, itemId: 1 });
    const good = engine.snapshot();
    const broken = { ...good, windows: [[1, 'BOT_LIKE', T0 + 1, 1, [1]]] }; // start not on the 30 s grid
    expect(() => engine.restore(broken)).toThrow(/invalid window engine snapshot/);
    expect(() => engine.restore({ ...good, windows: [...good.windows, good.windows[0]] })).toThrow(/appears twice/);
    expect(() => engine.restore(null)).toThrow(/not an object/);
    expect(engine.snapshot()).toEqual(good);
  });
});
