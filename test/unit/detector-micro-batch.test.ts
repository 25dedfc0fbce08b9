/**
 * The micro-batch's contract with a failing store, against small fakes of
 * the detector's own interfaces (store, publisher, consumer loop): while
 * PostgreSQL fails, consumption is paused and nothing is acknowledged; rows
 * of a micro-batch that did not commit are written by the next one, before
 * any later checkpoint of their partition.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import type { AnomalyStore, EncodedCheckpoint } from '../../detector/anomaly-store.ts';
import type { ConsumerLoop } from '../../detector/consumer-loop.ts';
import { DetectorMetrics } from '../../detector/metrics.ts';
import { MicroBatcher } from '../../detector/micro-batch.ts';
import type { OutboxPublisher } from '../../detector/outbox-publisher.ts';
import { PartitionDetector, type DetectedRow } from '../../detector/partition-detector.ts';
import { anomalyRules } from '../../detector/rules.ts';
import { createWindowEngine } from '../../detector/windows/index.ts';

const T0 = Date.parse('2014-04-07T10:00:00.000Z');
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

function setup() {
  const detector = new PartitionDetector(0, createWindowEngine(anomalyRules(), { watermarkDelayMs: 10_000 }), 0);
  let offset = 0;
  /** A HIGH_FREQUENCY session (60 clicks in [start, start + 10 s)) and a clock click that makes its window final. */
  const bot = (sessionId: number, startMs: number) => {
    for (let i = 0; i < 60; i++) detector.feed(offset++, sessionId, startMs + i * 150, i);
    detector.feed(offset++, 1, startMs + 20_000, 1);
    detector.collect(0);
  };
  const commits: { rows: DetectedRow[]; checkpoints: number[] }[] = [];
  let failuresLeft = 0;
  const store = {
    encode: async (due: { partition: number; nextOffset: number }[]) => due.map((c) => ({ ...c, stored: Buffer.alloc(0), encodeMs: 0 })) as unknown as EncodedCheckpoint[],
    commit: async (rows: DetectedRow[], checkpoints: EncodedCheckpoint[]) => {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw refused();
      }
      commits.push({ rows: [...rows], checkpoints: checkpoints.map((c) => c.nextOffset) });
      return { inserted: { HIGH_FREQUENCY: rows.length }, checkpointBytes: 0 };
    },
  };
  const pauses: boolean[] = [];
  const loop = { owned: () => [detector], setStoreDown: (down: boolean) => pauses.push(down), commitOffsets: async () => undefined };
  const publisher = { drain: async () => 0 };
  const batcher = new MicroBatcher(
    {
      loop: loop as unknown as ConsumerLoop,
      store: store as unknown as AnomalyStore,
      publisher: publisher as unknown as OutboxPublisher,
      metrics: new DetectorMetrics(),
      logger: createLogger('micro-batch-test'),
    },
    { checkpointIntervalMs: 0, pgSchema: 'test' },
  );
  return { detector, bot, commits, pauses, batcher, failNext: (n: number) => (failuresLeft = n) };
}

describe('a micro-batch while PostgreSQL fails', () => {
  it('retries with backoff, pausing consumption meanwhile, and resumes when the store answers', async () => {
    const { bot, commits, pauses, batcher, failNext } = setup();
    bot(101, T0);
    failNext(2); // two refused attempts, then success (after 250 + 500 ms of backoff)
    await batcher.run(false, undefined);
    expect(pauses).toEqual([true, false]);
    expect(batcher.postgresUp).toBe(true);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.rows.map((r) => r.sessionId)).toEqual([101]);
    expect(commits[0]!.checkpoints).toEqual([61]); // the checkpoint taken with those rows: every message fed
  });

  it('carries the rows of a micro-batch cut short into the next one, with the newer checkpoint', async () => {
    const { bot, commits, batcher, failNext } = setup();
    bot(101, T0);
    failNext(Infinity);
    const stop = new AbortController();
    const attempt = batcher.run(false, stop.signal);
    setTimeout(() => stop.abort(), 100);
    await expect(attempt).rejects.toThrow(/stopped/);
    expect(commits).toHaveLength(0);

    bot(102, T0 + 60_000);
    failNext(0);
    await batcher.run(true, undefined);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.rows.map((r) => r.sessionId)).toEqual([101, 102]);
    expect(commits[0]!.checkpoints).toEqual([122]);
  });
});
