/**
 * The window conventions of SPEC §3, as executable documentation. Every
 * expected value below is worked out by hand in the test's comments, not
 * taken from the engine.
 *
 * Times are offsets from T0 = 2014-04-07T10:00:00.000Z, a multiple of 60 s,
 * so the epoch-aligned windows start at T0 + whole multiples of 10 s / 30 s.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, InputError } from '../../lib/errors.ts';
import { anomalyRules, DEFAULT_DETECTOR_SETTINGS } from '../../detector/rules.ts';
import { createWindowEngine, windowStartsFor, type WindowRule } from '../../detector/windows/index.ts';

const T0 = Date.parse('2014-04-07T10:00:00.000Z');
const sec = (s: number) => T0 + Math.round(s * 1000);
const HIGH_FREQUENCY = { sizeMs: 10_000, slideMs: 10_000 };
const BOT_LIKE = { sizeMs: 60_000, slideMs: 30_000 };
/** A session used only to move the watermark forward. */
const CLOCK = 999;

function newEngine() {
  return createWindowEngine(anomalyRules(), { watermarkDelayMs: 10_000 });
}

type Engine = ReturnType<typeof newEngine>;

/** n clicks of one session at start, start + stepMs, ...; item of the i-th click = item(i). */
function feed(engine: Engine, sessionId: number, startMs: number, n: number, stepMs: number, item: (i: number) => number = () => 1) {
  for (let i = 0; i < n; i++) engine.add({ sessionId, timestampMs: startMs + i * stepMs, itemId: item(i) });
}

/** Moves the largest event time to `timestampMs` with a click of the CLOCK session. */
function clockTo(engine: Engine, timestampMs: number) {
  engine.add({ sessionId: CLOCK, timestampMs, itemId: 0 });
}

/** The open window of a session, read from the snapshot (the state as the caller would store it). */
function openWindow(engine: Engine, sessionId: number, type: string, startMs: number) {
  const entry = engine.snapshot().windows.find(([s, t, start]) => s === sessionId && t === type && start === startMs);
  return entry && { clickCount: entry[3], items: entry[4] };
}

describe('T0', () => {
  it('is aligned to 60 s, so offsets below are window positions', () => {
    expect(T0 % 60_000).toBe(0);
  });
});

describe('window membership: epoch-aligned, start inclusive, end exclusive', () => {
  it('a click at exactly k·10 s opens the window [k·10 s, (k+1)·10 s); 1 ms earlier is in the previous one', () => {
    expect(windowStartsFor(sec(10), HIGH_FREQUENCY)).toEqual([sec(10)]);
    expect(windowStartsFor(sec(10) - 1, HIGH_FREQUENCY)).toEqual([sec(0)]);
    expect(windowStartsFor(sec(0), HIGH_FREQUENCY)).toEqual([sec(0)]);
  });

  it('with 60 s windows every 30 s, each click is in two windows: 45 s is in [0, 60) and [30, 90)', () => {
    expect(windowStartsFor(sec(45), BOT_LIKE)).toEqual([sec(0), sec(30)]);
    expect(windowStartsFor(sec(30), BOT_LIKE)).toEqual([sec(0), sec(30)]);
    expect(windowStartsFor(sec(30) - 1, BOT_LIKE)).toEqual([sec(-30), sec(0)]);
    expect(windowStartsFor(sec(60), BOT_LIKE)).toEqual([sec(30), sec(60)]);
  });

  it('alignment holds for times before 1970 too', () => {
    expect(windowStartsFor(-1, HIGH_FREQUENCY)).toEqual([-10_000]);
    expect(windowStartsFor(-10_000, HIGH_FREQUENCY)).toEqual([-10_000]);
    expect(windowStartsFor(-15_000, BOT_LIKE)).toEqual([-60_000, -30_000]);
  });

  it('the engine counts the 10 s boundary click in the later window', () => {
    const engine = newEngine();
    // Session 1: 49 clicks at 5 s + one at 9.999 s → 50 in [0, 10): anomaly.
    feed(engine, 1, sec(5), 49, 0);
    engine.add({ sessionId: 1, timestampMs: sec(10) - 1, itemId: 1 });
    // Session 2: 49 clicks at 5 s + one at exactly 10 s → 49 in [0, 10), 1 in [10, 20): nothing.
    feed(engine, 2, sec(5), 49, 0);
    engine.add({ sessionId: 2, timestampMs: sec(10), itemId: 1 });

    expect(engine.flushAll()).toEqual([
      { sessionId: 1, anomalyType: 'HIGH_FREQUENCY', windowStartMs: sec(0), windowEndMs: sec(10), clickCount: 50, uniqueItems: 1 },
    ]);
  });

  it('a click is counted in both sliding windows it belongs to', () => {
    const engine = newEngine();
    feed(engine, 7, sec(45), 3, 0, (i) => 10 + i);
    expect(openWindow(engine, 7, 'BOT_LIKE', sec(0))).toEqual({ clickCount: 3, items: [10, 11, 12] });
    expect(openWindow(engine, 7, 'BOT_LIKE', sec(30))).toEqual({ clickCount: 3, items: [10, 11, 12] });
    expect(openWindow(engine, 7, 'HIGH_FREQUENCY', sec(40))).toEqual({ clickCount: 3, items: [10, 11, 12] });
    expect(engine.openWindowCount()).toBe(3);
  });
});

describe('thresholds, exactly', () => {
  it('HIGH_FREQUENCY: 49 clicks in a 10 s window is normal, 50 is an anomaly', () => {
    const engine = newEngine();
    // Both sessions click every 100 ms from 0 s, items cycling 0..6 (7 distinct).
    feed(engine, 1, sec(0), 49, 100, (i) => i % 7);
    feed(engine, 2, sec(0), 50, 100, (i) => i % 7);
    expect(engine.flushAll()).toEqual([
      { sessionId: 2, anomalyType: 'HIGH_FREQUENCY', windowStartMs: sec(0), windowEndMs: sec(10), clickCount: 50, uniqueItems: 7 },
    ]);
  });

  it('BOT_LIKE: 99 clicks in 60 s is normal, 100 is an anomaly', () => {
    const engine = newEngine();
    // One click every 500 ms from 0 s: 100 clicks span [0, 49.5 s]. Each 10 s window holds 20 (no
    // HIGH_FREQUENCY); [-30, 30) holds the 60 clicks before 30 s, [30, 90) the other 40, [0, 60) all 100.
    feed(engine, 1, sec(0), 99, 500, (i) => i % 5);
    feed(engine, 2, sec(0), 100, 500, (i) => i % 5);
    expect(engine.flushAll()).toEqual([
      { sessionId: 2, anomalyType: 'BOT_LIKE', windowStartMs: sec(0), windowEndMs: sec(60), clickCount: 100, uniqueItems: 5 },
    ]);
  });

  it('BOT_LIKE: 5 distinct items is an anomaly, 6 is normal', () => {
    const engine = newEngine();
    feed(engine, 1, sec(0), 100, 500, (i) => i % 5);
    feed(engine, 2, sec(0), 100, 500, (i) => i % 6);
    expect(engine.flushAll()).toEqual([
      { sessionId: 1, anomalyType: 'BOT_LIKE', windowStartMs: sec(0), windowEndMs: sec(60), clickCount: 100, uniqueItems: 5 },
    ]);
  });
});

describe('unique_items', () => {
  it('is exact for many distinct items, also across a snapshot taken mid-window', () => {
    const engine = newEngine();
    // 50 clicks every 100 ms from 0 s; items 0..19 repeating → 20 distinct. Snapshot after 30 clicks.
    feed(engine, 3, sec(0), 30, 100, (i) => i % 20);
    const restored = newEngine();
    restored.restore(JSON.parse(JSON.stringify(engine.snapshot())));
    for (let i = 30; i < 50; i++) restored.add({ sessionId: 3, timestampMs: sec(0) + i * 100, itemId: i % 20 });
    expect(restored.flushAll()).toEqual([
      { sessionId: 3, anomalyType: 'HIGH_FREQUENCY', windowStartMs: sec(0), windowEndMs: sec(10), clickCount: 50, uniqueItems: 20 },
    ]);
  });
});

describe('watermark = largest event time − 10 s; a window is final when watermark ≥ its end', () => {
  it('emits [0, 10) at watermark 10.000 s (max event time 20.000 s), not at 9.999 s', () => {
    const engine = newEngine();
    feed(engine, 1, sec(1), 50, 0);
    clockTo(engine, sec(20) - 1);
    expect(engine.watermarkMs()).toBe(sec(10) - 1);
    expect(engine.advance()).toEqual([]);
    clockTo(engine, sec(20));
    expect(engine.watermarkMs()).toBe(sec(10));
    expect(engine.advance()).toEqual([
      { sessionId: 1, anomalyType: 'HIGH_FREQUENCY', windowStartMs: sec(0), windowEndMs: sec(10), clickCount: 50, uniqueItems: 1 },
    ]);
  });

  it('an out-of-order click is still counted while the watermark is below its window end', () => {
    const engine = newEngine();
    feed(engine, 1, sec(1), 50, 0);
    clockTo(engine, sec(20) - 1); // watermark 9.999 s < 10 s
    expect(engine.add({ sessionId: 1, timestampMs: sec(10) - 1, itemId: 2 })).toBe('accepted');
    clockTo(engine, sec(20));
    expect(engine.advance()).toEqual([
      { sessionId: 1, anomalyType: 'HIGH_FREQUENCY', windowStartMs: sec(0), windowEndMs: sec(10), clickCount: 51, uniqueItems: 2 },
    ]);
    expect(engine.stats()).toMatchObject({ lateClicks: 0, lateMemberships: { HIGH_FREQUENCY: 0, BOT_LIKE: 0 } });
  });

  it('a click for a final window is dropped there and counted, but still counts in its open windows', () => {
    const engine = newEngine();
    feed(engine, 1, sec(1), 50, 0);
    clockTo(engine, sec(20)); // watermark 10 s: [0, 10) final; [-30, 30) and [0, 60) open
    expect(engine.advance()).toHaveLength(1);

    expect(engine.add({ sessionId: 1, timestampMs: sec(10) - 1, itemId: 2 })).toBe('accepted');
    expect(engine.stats()).toMatchObject({ lateClicks: 0, lateMemberships: { HIGH_FREQUENCY: 1, BOT_LIKE: 0 } });
    expect(openWindow(engine, 1, 'HIGH_FREQUENCY', sec(0))).toBeUndefined();
    expect(openWindow(engine, 1, 'BOT_LIKE', sec(-30))).toEqual({ clickCount: 51, items: [1, 2] });
    expect(openWindow(engine, 1, 'BOT_LIKE', sec(0))).toEqual({ clickCount: 51, items: [1, 2] });
    expect(engine.advance()).toEqual([]); // no second HIGH_FREQUENCY row with 51
  });

  it('sliding: a click at 45 s after [0, 60) is final counts in [30, 90) only', () => {
    const engine = newEngine();
    clockTo(engine, sec(70)); // watermark 60 s: [0, 60) final (end = watermark), [30, 90) open
    expect(engine.add({ sessionId: 1, timestampMs: sec(45), itemId: 3 })).toBe('accepted');
    // Late for [40, 50) (HIGH_FREQUENCY) and [0, 60) (BOT_LIKE); counted in [30, 90).
    expect(engine.stats()).toMatchObject({ acceptedClicks: 2, lateClicks: 0, lateMemberships: { HIGH_FREQUENCY: 1, BOT_LIKE: 1 } });
    expect(openWindow(engine, 1, 'BOT_LIKE', sec(30))).toEqual({ clickCount: 1, items: [3] });
    expect(openWindow(engine, 1, 'BOT_LIKE', sec(0))).toBeUndefined();
  });

  it('a click whose every window is final is late: dropped and counted', () => {
    const engine = newEngine();
    clockTo(engine, sec(70)); // watermark 60 s
    // 1 s is in [0, 10), [-30, 30) and [0, 60): ends 10, 30, 60 s, all ≤ 60 s.
    expect(engine.add({ sessionId: 1, timestampMs: sec(1), itemId: 3 })).toBe('late');
    expect(engine.stats()).toMatchObject({ acceptedClicks: 1, lateClicks: 1, lateMemberships: { HIGH_FREQUENCY: 1, BOT_LIKE: 2 } });
    expect(engine.snapshot().windows.filter(([sessionId]) => sessionId === 1)).toEqual([]);
  });

  it('the watermark never goes back, and an empty engine has none', () => {
    const engine = newEngine();
    expect(engine.watermarkMs()).toBeNull();
    clockTo(engine, sec(30));
    clockTo(engine, sec(12));
    expect(engine.watermarkMs()).toBe(sec(20));
    expect(engine.stats().maxEventTimeMs).toBe(sec(30));
  });
});

describe('emission', () => {
  it('a session tripping both rules yields one row of each type', () => {
    const engine = newEngine();
    // 60 clicks from 0 s every 100 ms (in [0, 10)) and 40 from 30 s (in [30, 40)), items cycling 0..2.
    // HIGH_FREQUENCY: [0, 10) has 60 ≥ 50; [30, 40) has 40. BOT_LIKE: [0, 60) has 100 with 3 items;
    // [-30, 30) has 60 and [30, 90) has 40.
    feed(engine, 5, sec(0), 60, 100, (i) => i % 3);
    feed(engine, 5, sec(30), 40, 100, (i) => i % 3);
    clockTo(engine, sec(70));
    expect(engine.advance()).toEqual([
      { sessionId: 5, anomalyType: 'HIGH_FREQUENCY', windowStartMs: sec(0), windowEndMs: sec(10), clickCount: 60, uniqueItems: 3 },
      { sessionId: 5, anomalyType: 'BOT_LIKE', windowStartMs: sec(0), windowEndMs: sec(60), clickCount: 100, uniqueItems: 3 },
    ]);
  });

  it('emits each row exactly once, however often advance() or flushAll() is called', () => {
    const engine = newEngine();
    feed(engine, 1, sec(1), 50, 0);
    clockTo(engine, sec(25));
    expect(engine.advance()).toHaveLength(1);
    expect(engine.advance()).toEqual([]);
    clockTo(engine, sec(25));
    expect(engine.advance()).toEqual([]);
    expect(engine.flushAll()).toEqual([]);
    expect(engine.flushAll()).toEqual([]);
    expect(engine.stats().anomaliesEmitted).toBe(1);
  });

  it('orders rows by window end, then rule-table order, then session id', () => {
    const engine = newEngine();
    // Session 40: 50 clicks at 5 s → [0, 10). Then sessions 30, 20, 10 each: 100 clicks of one item at
    // 55 s → HIGH_FREQUENCY [50, 60) and BOT_LIKE [0, 60) both end at 60 s; BOT_LIKE [30, 90) at 90 s.
    feed(engine, 40, sec(5), 50, 0);
    for (const sessionId of [30, 20, 10]) feed(engine, sessionId, sec(55), 100, 0);
    const rows = engine.flushAll().map((r) => `${(r.windowEndMs - T0) / 1000} ${r.anomalyType} ${r.sessionId}`);
    expect(rows).toEqual([
      '10 HIGH_FREQUENCY 40',
      '60 HIGH_FREQUENCY 10',
      '60 HIGH_FREQUENCY 20',
      '60 HIGH_FREQUENCY 30',
      '60 BOT_LIKE 10',
      '60 BOT_LIKE 20',
      '60 BOT_LIKE 30',
      '90 BOT_LIKE 10',
      '90 BOT_LIKE 20',
      '90 BOT_LIKE 30',
    ]);
  });

  it('after flushAll() every click is late', () => {
    const engine = newEngine();
    engine.flushAll();
    expect(engine.add({ sessionId: 1, timestampMs: sec(100), itemId: 1 })).toBe('late');
    expect(engine.openWindowCount()).toBe(0);
  });
});

describe('bounded memory', () => {
  it('keeps state only for open windows and frees a window as soon as it is final', () => {
    const engine = newEngine();
    engine.add({ sessionId: 1, timestampMs: sec(1), itemId: 1 });
    expect(engine.openWindowCount()).toBe(3); // [0, 10), [-30, 30), [0, 60)
    clockTo(engine, sec(20)); // watermark 10 s closes session 1's [0, 10); its BOT_LIKE windows stay open
    expect(engine.snapshot().windows.filter(([s]) => s === 1).map(([, type, start]) => `${type} ${(start - T0) / 1000}`)).toEqual([
      'BOT_LIKE -30',
      'BOT_LIKE 0',
    ]);
    clockTo(engine, sec(70)); // watermark 60 s: every window of session 1 is final
    expect(engine.snapshot().windows.filter(([s]) => s === 1)).toEqual([]);
    expect(engine.stats().openSessions).toBe(1); // only the clock session
  });

  it('holds at most the windows of the last 70 s of clicks in a long stream', () => {
    const engine = newEngine();
    // 20,000 one-click sessions, one every 100 ms. A click's windows end at most 60 s after it and
    // are final once max event time ≥ end + 10 s, so at most the clicks of the last 70 s (701) have
    // open windows: 3 each.
    let peak = 0;
    for (let i = 0; i < 20_000; i++) {
      engine.add({ sessionId: i, timestampMs: sec(i / 10), itemId: 1 });
      peak = Math.max(peak, engine.openWindowCount());
    }
    expect(peak).toBeLessThanOrEqual(701 * 3);
    engine.flushAll();
    expect(engine.openWindowCount()).toBe(0);
    expect(engine.stats()).toMatchObject({ windowsClosed: 60_000, openSessions: 0 });
  });
});

describe('the rule table', () => {
  it('has the SPEC §3 defaults and takes its thresholds from the settings', () => {
    expect(DEFAULT_DETECTOR_SETTINGS).toEqual({
      highFrequencyWindowMs: 10_000,
      highFrequencyMinClicks: 50,
      botLikeWindowMs: 60_000,
      botLikeSlideMs: 30_000,
      botLikeMinClicks: 100,
      botLikeMaxUniqueItems: 5,
      watermarkDelayMs: 10_000,
    });
    const [highFrequency, botLike] = anomalyRules({ ...DEFAULT_DETECTOR_SETTINGS, highFrequencyMinClicks: 3, botLikeMaxUniqueItems: 1 });
    expect(highFrequency!.condition({ clickCount: 3, uniqueItems: 3 })).toBe(true);
    expect(highFrequency!.condition({ clickCount: 2, uniqueItems: 1 })).toBe(false);
    expect(botLike!.condition({ clickCount: 100, uniqueItems: 1 })).toBe(true);
    expect(botLike!.condition({ clickCount: 100, uniqueItems: 2 })).toBe(false);
  });

  it('a new rule is one row', () => {
    const rules: WindowRule[] = [
      ...anomalyRules(),
      { type: 'TRIPLE_IN_5S', sizeMs: 5_000, slideMs: 5_000, condition: ({ clickCount }) => clickCount >= 3 },
    ];
    const engine = createWindowEngine(rules, { watermarkDelayMs: 10_000 });
    for (const t of [sec(5), sec(5) + 1, sec(10) - 1, sec(10)]) engine.add({ sessionId: 8, timestampMs: t, itemId: t });
    expect(engine.flushAll()).toEqual([
      { sessionId: 8, anomalyType: 'TRIPLE_IN_5S', windowStartMs: sec(5), windowEndMs: sec(10), clickCount: 3, uniqueItems: 3 },
    ]);
  });

  it('refuses a table whose windows would leave gaps, repeat a type or have no length', () => {
    const condition = () => true;
    const make = (rules: WindowRule[]) => () => createWindowEngine(rules, { watermarkDelayMs: 0 });
    expect(make([{ type: 'A', sizeMs: 10, slideMs: 20, condition }])).toThrow(ConfigError);
    expect(make([{ type: 'A', sizeMs: 10, slideMs: 10, condition }, { type: 'A', sizeMs: 20, slideMs: 10, condition }])).toThrow(/duplicate/);
    expect(make([{ type: 'A', sizeMs: 0, slideMs: 0, condition }])).toThrow(ConfigError);
    expect(make([])).toThrow(ConfigError);
    expect(() => createWindowEngine(anomalyRules(), { watermarkDelayMs: -1 })).toThrow(InputError);
  });

  it('refuses session ids beyond 2^53 and non-integer times: a decoding bug, not data', () => {
    const engine = newEngine();
    expect(() => engine.add({ sessionId: 2 ** 53, timestampMs: sec(0), itemId: 1 })).toThrow(InputError);
    expect(() => engine.add({ sessionId: 1, timestampMs: sec(0) + 0.5, itemId: 1 })).toThrow(/timestampMs/);
    expect(engine.add({ sessionId: 2 ** 53 - 1, timestampMs: sec(0), itemId: 1 })).toBe('accepted');
  });
});
