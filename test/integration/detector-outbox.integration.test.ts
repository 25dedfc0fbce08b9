/**
 * The anomaly outbox is published exactly once, against the real Kafka and
 * PostgreSQL, whatever fails between PostgreSQL and the broker. Each test has
 * its own topic; the suite has its own PostgreSQL schema.
 *
 * Rows are made up here (not detected) and written through the detector's
 * store, so what the topic must hold is known independently of the
 * publisher: each row, once, with every field. A "crash" is a publisher
 * whose topic (our AnomalyTopic interface, over the real Kafka) fails at the
 * chosen point of a page: before or after the Kafka commit, the outbox
 * delete never following.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Kafka } from 'kafkajs';
import { createValueDecoder, registerValueEncoder, type ValueEncoder } from '../../lib/avro-codec.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { createLogger } from '../../lib/logger.ts';
import { sleep } from '../../lib/retry.ts';
import { anomalyEventSchema, type AnomalyEvent } from '../../schemas/index.ts';
import { AnomalyStore } from '../../detector/anomaly-store.ts';
import { openAnomalyTopic, type AnomalyTopic } from '../../detector/anomaly-topic.ts';
import { OUTBOX_LOCK_CLASS } from '../../detector/outbox-lease.ts';
import { OutboxPublisher } from '../../detector/outbox-publisher.ts';
import type { DetectedRow } from '../../detector/partition-detector.ts';
import { detectorTables } from '../../detector/tables.ts';
import { config, readWholeTopic, uniqueName, waitFor } from '../helpers.ts';
import { createDetectorSchema, createTopics, deleteTopics } from '../detector-helpers.ts';

const registry = createRegistry(config);
const logger = createLogger('outbox-test');
const decode = createValueDecoder(registry, anomalyEventSchema);
const T0 = Date.parse('2014-04-07T00:00:00.000Z');
const topics: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let db: Awaited<ReturnType<typeof createDetectorSchema>>;
let nextSession = 1;

/** `count` made-up rows, each of a session never used before, both types, windows and counts varying. */
function makeRows(count: number): DetectedRow[] {
  return Array.from({ length: count }, (_, i) => {
    const hf = i % 2 === 0;
    const windowStartMs = T0 + (i % 97) * 60_000;
    return {
      sessionId: 700_000_000_000 + nextSession++,
      anomalyType: hf ? 'HIGH_FREQUENCY' : 'BOT_LIKE',
      windowStartMs,
      windowEndMs: windowStartMs + (hf ? 10_000 : 60_000),
      clickCount: 50 + (i % 70),
      uniqueItems: 1 + (i % 5),
      detectedAtMs: T0 + 86_400_000 + i,
    };
  });
}

const expectedEvent = (r: DetectedRow): AnomalyEvent => ({
  session_id: r.sessionId,
  anomaly_type: r.anomalyType as AnomalyEvent['anomaly_type'],
  window_start: r.windowStartMs,
  window_end: r.windowEndMs,
  click_count: r.clickCount,
  unique_items: r.uniqueItems,
  detected_at: r.detectedAtMs,
});
const eventKey = (e: AnomalyEvent) => JSON.stringify([e.session_id, e.anomaly_type, e.window_start, e.window_end, e.click_count, e.unique_items, e.detected_at]);

/** A topic of its own, its encoder, and a store that enqueues for it. */
async function freshOutbox(): Promise<{ topic: string; encoder: ValueEncoder<AnomalyEvent>; store: AnomalyStore }> {
  const topic = uniqueName('test-outbox');
  topics.push(topic);
  await createTopics(kafkaFor('setup'), [topic], 3);
  const encoder = await registerValueEncoder(registry, topic, anomalyEventSchema);
  const store = new AnomalyStore(db.pool, detectorTables(db.schema), { groupId: 'outbox-test', topic: 'unused', outputTopic: topic });
  return { topic, encoder, store };
}

const kafkas = new Map<string, Kafka>();
function kafkaFor(name: string): Kafka {
  let kafka = kafkas.get(name);
  if (!kafka) kafkas.set(name, (kafka = createKafka(config, `outbox-test-${name}`)));
  return kafka;
}

type Crash = 'before-commit' | 'after-commit';

/**
 * A publisher as a separate process would have it: a pool and a Kafka client
 * of its own. `crash`: the first page's commit fails at that point (before:
 * nothing committed, the transaction left open; after: committed, then the
 * failure), `times` times.
 */
function publisher(name: string, topic: string, encoder: ValueEncoder<AnomalyEvent>, crash?: { at: Crash; times?: number; then?: () => Promise<void> }) {
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 3 });
  pool.on('error', () => undefined);
  let crashesLeft = crash ? (crash.times ?? 1) : 0;
  const open = async (transactionalId: string): Promise<AnomalyTopic> => {
    const real = await openAnomalyTopic({ kafka: kafkaFor(name), encoder, decode }, { topic, transactionalId });
    if (!crash) return real;
    return {
      ...real,
      async begin() {
        const transaction = await real.begin();
        return {
          send: (events) => transaction.send(events),
          async commit() {
            if (crashesLeft === 0) return transaction.commit();
            crashesLeft--;
            await crash.then?.();
            if (crash.at === 'after-commit') await transaction.commit();
            throw new Error(`simulated crash ${crash.at}`);
          },
        };
      },
    };
  };
  const p = new OutboxPublisher({ pool, tables: detectorTables(db.schema), logger: createLogger(`outbox-${name}`), openTopic: open }, topic);
  cleanups.push(async () => {
    await p.close();
    await pool.end();
  });
  return p;
}

async function outboxCount(topic: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${detectorTables(db.schema).outbox} WHERE topic = $1`, [topic]);
  return rows[0]!.n;
}

/** Ends the session holding the outbox's lease from the server side; false when nobody holds it. */
async function killLeaseHolder(outbox: string): Promise<boolean> {
  const { rowCount } = await db.pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_locks
     WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid = hashtext($1)::oid AND objid = hashtext($2)::oid`,
    [OUTBOX_LOCK_CLASS, outbox],
  );
  return rowCount === 1;
}

/** Every committed record of the topic, decoded (read_committed, as consumers read). */
async function committedEvents(topic: string): Promise<AnomalyEvent[]> {
  return Promise.all((await readWholeTopic(kafkaFor('reader'), topic)).map(async ({ message }) => {
    const event = await decode(message.value!);
    expect(message.key?.toString()).toBe(String(event.session_id));
    return event;
  }));
}

/** Offsets used in the log, transaction markers and aborted records included. */
async function logSize(topic: string): Promise<number> {
  const admin = kafkaFor('reader').admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The topic holds each row once, with every field, and nothing else. A
 * commit's markers are written just after commit() returns: initialising the
 * publisher's transactional id waits until its transactions are complete
 * (and fences it), so everything it committed is visible after.
 */
async function expectExactlyOnce(publisher: OutboxPublisher, topic: string, encoder: ValueEncoder<AnomalyEvent>, rows: readonly DetectedRow[]): Promise<void> {
  await (await openAnomalyTopic({ kafka: kafkaFor('settle'), encoder, decode }, { topic, transactionalId: publisher.transactionalId })).close();
  const events = await committedEvents(topic);
  expect(events).toHaveLength(rows.length);
  expect(events.map(eventKey).sort()).toEqual(rows.map(expectedEvent).map(eventKey).sort());
  expect(await outboxCount(topic)).toBe(0);
}

beforeAll(async () => {
  db = await createDetectorSchema(config, uniqueName('det_outbox'));
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await deleteTopics(kafkaFor('setup'), topics);
  await db?.drop();
});

describe('a publisher crashes in the middle of a page', () => {
  it.each(['another process', 'the same process, retrying'] as const)(
    'after the Kafka commit, before the outbox delete: %s finds the page on the topic and does not publish it again',
    async (next) => {
      const { topic, encoder, store } = await freshOutbox();
      const rows = makeRows(1200); // pages of 500: 500, 500, 200
      await store.commit(rows, []);
      expect(await outboxCount(topic)).toBe(1200);

      const crashing = publisher('a', topic, encoder, { at: 'after-commit' });
      await expect(crashing.drain()).rejects.toThrow(/simulated crash after-commit/);
      expect(crashing.published).toBe(0); // the commit "never returned"
      expect(await outboxCount(topic)).toBe(1200); // the delete never ran
      // yet the first page is on the topic (visible once the commit markers are written, just after commit() returns)
      expect(await waitFor(async () => (await committedEvents(topic)).length, (n) => n === 500, 10_000, 100)).toBe(500);

      const successor = next === 'another process' ? publisher('b', topic, encoder) : crashing;
      expect(await successor.drain()).toBe(700);
      expect(successor.recovered).toBe(500);
      await expectExactlyOnce(successor, topic, encoder, rows);
    },
  );

  it('before the Kafka commit: the open transaction is aborted when the next publisher fences, and the page is published once', async () => {
    const { topic, encoder, store } = await freshOutbox();
    const rows = makeRows(300);
    await store.commit(rows, []);

    const crashing = publisher('a', topic, encoder, { at: 'before-commit' });
    await expect(crashing.drain()).rejects.toThrow(/simulated crash before-commit/);
    expect(await outboxCount(topic)).toBe(300);

    const next = publisher('b', topic, encoder);
    expect(await next.drain()).toBe(300);
    expect(next.recovered).toBe(0); // the attempt was recorded, but none of it is on the topic: aborted
    await expectExactlyOnce(next, topic, encoder, rows);
    // the aborted attempt is in the log all the same (read_uncommitted would see it twice)
    expect(await logSize(topic)).toBeGreaterThanOrEqual(2 * 300);
  });
});

describe('two publishers on one outbox', () => {
  it('publish each row once while rows keep coming, also when the lease holder loses its PostgreSQL connection', async () => {
    const { topic, encoder, store } = await freshOutbox();
    const pair = [publisher('a', topic, encoder), publisher('b', topic, encoder)];
    const written: DetectedRow[] = [];
    let producing = true;
    const drains = pair.map(async (p) => {
      while (producing || (await outboxCount(topic)) > 0) {
        await p.drain().catch((error: Error) => logger.info({ error: error.message }, 'drain failed; next round starts over'));
        await sleep(20);
      }
    });
    for (let round = 0; round < 30; round++) {
      const rows = makeRows(40);
      await store.commit(rows, []);
      written.push(...rows);
      // the holder's lock connection is killed by the server, as in a PostgreSQL restart
      if (round === 15) expect(await waitFor(() => killLeaseHolder(pair[0]!.outbox), (killed) => killed, 5000, 50)).toBe(true);
      await sleep(30);
    }
    producing = false;
    await Promise.all(drains);
    expect(pair[0]!.published + pair[1]!.published).toBe(written.length);
    await expectExactlyOnce(pair[0]!, topic, encoder, written);
  });

  it('a publisher that lost its lease mid-transaction cannot commit once the next one has fenced it', async () => {
    const { topic, encoder, store } = await freshOutbox();
    const rows = makeRows(120);
    await store.commit(rows, []);
    const successor = publisher('b', topic, encoder);
    let successorPublished = -1;
    // a's page is sent; before its commit a's lease is killed and b takes over (fencing a, publishing everything)
    const zombie = publisher('a', topic, encoder, {
      at: 'after-commit',
      then: async () => {
        expect(await killLeaseHolder(successor.outbox)).toBe(true);
        await sleep(200);
        successorPublished = await successor.drain();
      },
    });
    const failure = await zombie.drain().then(
      () => undefined,
      (error: Error) => error,
    );
    expect(successorPublished).toBe(120);
    // the zombie's commit was refused by the broker, before our simulated failure could be thrown
    expect(failure?.message).toMatch(/epoch|fenced/i);
    expect(zombie.published).toBe(0);
    await expectExactlyOnce(successor, topic, encoder, rows);
  });
});
