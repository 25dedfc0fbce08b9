/**
 * Why the detector is exactly once in effect, as executable documentation:
 * a partition's rows are a function of its messages, so restoring the last
 * checkpoint and feeding the messages after it again — however often, cut
 * into whatever batches — re-derives the same rows, and a first-write-wins
 * store keyed by (session_id, anomaly_type, window_start) ends up with
 * exactly the rows of an uninterrupted run.
 *
 * The stream is built so that its anomalies are known by construction (the
 * producer's injection patterns), not taken from the engine.
 */
import { describe, expect, it } from 'vitest';
import { PartitionDetector, type DetectedRow } from '../../detector/partition-detector.ts';
import { anomalyRules, DEFAULT_DETECTOR_SETTINGS } from '../../detector/rules.ts';
import { decodeSnapshot, encodeSnapshot } from '../../detector/snapshot-codec.ts';
import { createWindowEngine } from '../../detector/windows/index.ts';
import { seededUniform } from '../../ingest/generator/prng.ts';

const T0 = Date.parse('2014-04-07T10:00:00.000Z');


interface Message {
  sessionId: number;
  timestampMs: number;
  itemId: number;
}

/**
 * 20 minutes of traffic: normal sessions (clicks ≥ 1 s apart: never
 * anomalous), one HIGH_FREQUENCY bot per minute (60 clicks, 150 ms apart,
 * from a 10 s boundary: one window [s, s+10 s) with 60 clicks on 60 items),
 * one BOT_LIKE bot per 2 minutes (120 clicks on 3 items, 400 ms apart, from a
 * 30 s boundary: one window [s, s+60 s) with 120 clicks). Delivered with up
 * to 3 s of disorder (less than the 10 s watermark delay: nothing is late),
 * then a clock click at +30 min closes every window.
 */
function buildStream(seed: number): { messages: Message[]; expected: string[] } {
  const rand = seededUniform(seed);
  const events: (Message & { arrival: number })[] = [];
  const expected: string[] = [];
  const push = (sessionId: number, timestampMs: number, itemId: number) =>
    events.push({ sessionId, timestampMs, itemId, arrival: timestampMs + Math.floor(rand() * 3000) });
  for (let s = 1; s <= 400; s++) {
    let t = T0 + Math.floor(rand() * 19 * 60_000);
    for (let i = 0, n = 1 + Math.floor(rand() * 8); i < n; i++, t += 1000 + Math.floor(rand() * 20_000)) push(s, t, 1000 + Math.floor(rand() * 50));
  }
  for (let m = 0; m < 20; m++) {
    const hf = 10_000 + m;
    const start = T0 + m * 60_000 + 20_000;
    for (let i = 0; i < 60; i++) push(hf, start + i * 150, 5000 + i);
    expected.push(`${hf}|HIGH_FREQUENCY|${start}|${start + 10_000}|60|60`);
    if (m % 2 === 0) {
      const bot = 20_000 + m;
      const botStart = T0 + m * 60_000 + 30_000;
      for (let i = 0; i < 120; i++) push(bot, botStart + i * 400, 7000 + (i % 3));
      expected.push(`${bot}|BOT_LIKE|${botStart}|${botStart + 60_000}|120|3`);
    }
  }
  events.sort((a, b) => a.arrival - b.arrival);
  events.push({ sessionId: 1, timestampMs: T0 + 30 * 60_000, itemId: 1, arrival: Infinity });
  return { messages: events.map(({ sessionId, timestampMs, itemId }) => ({ sessionId, timestampMs, itemId })), expected: expected.sort() };
}

const newDetector = (startOffset = 0) =>
  new PartitionDetector(0, createWindowEngine(anomalyRules(), { watermarkDelayMs: DEFAULT_DETECTOR_SETTINGS.watermarkDelayMs }), startOffset);

const key = (r: DetectedRow) => `${r.sessionId}|${r.anomalyType}|${r.windowStartMs}|${r.windowEndMs}|${r.clickCount}|${r.uniqueItems}`;
const triple = (r: DetectedRow) => `${r.sessionId}|${r.anomalyType}|${r.windowStartMs}`;

/** anomaly_sessions in miniature: the first write of a (session, type, window start) wins. */
class FirstWriteWins {
  readonly rows = new Map<string, DetectedRow>();
  insert(rows: DetectedRow[]): void {
    for (const row of rows) if (!this.rows.has(triple(row))) this.rows.set(triple(row), row);
  }
  keys(): string[] {
    return [...this.rows.values()].map(key).sort();
  }
}

describe('one partition, no crash', () => {
  it('emits exactly the constructed anomalies, once each, and nothing for normal sessions', () => {
    const { messages, expected } = buildStream(1);
    const detector = newDetector();
    messages.forEach((m, offset) => detector.feed(offset, m.sessionId, m.timestampMs, m.itemId));
    detector.collect(0);
    expect(detector.takeRows().map(key).sort()).toEqual(expected);
    expect(detector.engine.stats().lateClicks).toBe(0);
  });
});

describe('crash, restore, replay', () => {
  for (const seed of [2, 3, 4, 5, 6]) {
    it(`converges to the uninterrupted rows whatever the batch cuts, checkpoints and crashes (seed ${seed})`, async () => {
      const { messages, expected } = buildStream(seed);
      const rand = seededUniform(seed * 7919);
      const store = new FirstWriteWins();
      /** The durable checkpoint: stored snapshot + next offset (written with rows in one transaction). */
      let checkpoint: { nextOffset: number; stored: Buffer } | undefined;
      let detector = newDetector();
      let crashes = 0;
      let microBatches = 0;
      while (detector.nextOffset < messages.length) {
        // a fetch of 1..120 messages
        const end = Math.min(messages.length, detector.nextOffset + 1 + Math.floor(rand() * 120));
        for (let offset = detector.nextOffset; offset < end; offset++) {
          const m = messages[offset]!;
          detector.feed(offset, m.sessionId, m.timestampMs, m.itemId);
        }
        detector.collect(Date.now());
        const r = rand();
        if (r < 0.3) {
          // a micro-batch: rows always, a checkpoint only sometimes (checkpoints may be spaced wider than micro-batches)
          microBatches++;
          const rows = detector.takeRows();
          const withCheckpoint = rand() < 0.5;
          const stored = withCheckpoint ? { nextOffset: detector.nextOffset, stored: (await encodeSnapshot(detector.checkpoint().snapshot)).data } : undefined;
          store.insert(rows);
          if (stored) checkpoint = stored;
        } else if (r < 0.45) {
          // SIGKILL: everything in memory is gone; the next owner restores the last checkpoint
          crashes++;
          detector = newDetector(checkpoint?.nextOffset ?? 0);
          if (checkpoint) detector.engine.restore(await decodeSnapshot(checkpoint.stored));
        }
      }
      store.insert(detector.takeRows());
      expect(crashes).toBeGreaterThan(3);
      expect(microBatches).toBeGreaterThan(3);
      expect(store.keys()).toEqual(expected);
    });
  }
});

describe('snapshot storage', () => {
  it('round-trips a state larger than one serialisation slice to the very same snapshot', async () => {
    const detector = newDetector();
    // 30,000 sessions × 3 open windows (one 10 s, two 60/30 s): 90,000 windows, several slices
    for (let s = 0; s < 30_000; s++) detector.feed(s, s + 1, T0 + 45_000 + (s % 1000), 100 + (s % 7));
    const snapshot = detector.checkpoint().snapshot;
    expect(snapshot.windows).toHaveLength(90_000);
    const restored = newDetector();
    restored.engine.restore(await decodeSnapshot((await encodeSnapshot(snapshot)).data));
    expect(restored.engine.snapshot()).toEqual(snapshot);
  });
});

describe('checkpoint spacing', () => {
  it('is due only with progress, after the interval, and at least 10× the last checkpoint’s cost apart', () => {
    const detector = newDetector(100);
    expect(detector.checkpointDue(10_000, 5000)).toBe(false); // nothing fed since offset 100
    detector.feed(100, 1, T0, 1);
    expect(detector.checkpointDue(10_000, 5000)).toBe(true);
    detector.checkpointed(101, 10_000, 800);
    detector.feed(101, 1, T0 + 1, 1);
    expect(detector.checkpointDue(14_999, 5000)).toBe(false);
    expect(detector.checkpointDue(17_999, 5000)).toBe(false); // 8 s = 10 × 800 ms not yet passed
    expect(detector.checkpointDue(18_000, 5000)).toBe(true);
  });
});
