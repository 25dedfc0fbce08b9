/**
 * Producers against the real broker and registry: every row arrives once,
 * bad rows reach the DLQ with where and why, schemas evolve only
 * compatibly, replay speed is honoured, and injected anomalies are exactly
 * the logged ones.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Producer } from 'kafkajs';
import { createValueDecoder } from '../../lib/avro-codec.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { createLogger } from '../../lib/logger.ts';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';
import { RESERVED_SESSION_ID_BASE } from '../../ingest/generator/session-ids.ts';
import type { Injection } from '../../ingest/producer/anomaly-injector.ts';
import { connectProducer, produceFile, type ProduceOptions } from '../../ingest/producer/produce-file.ts';
import { clickEventSchema, deadLetterSchema, purchaseEventSchema } from '../../schemas/index.ts';
import { config, readWholeTopic, uniqueName } from '../helpers.ts';

const kafka = createKafka(config, 'ingest-test');
const registry = createRegistry(config);
const logger = createLogger('ingest-test');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-test-'));
let producer: Producer;

async function freshTopics(n: number): Promise<string[]> {
  const topics = Array.from({ length: n }, () => uniqueName('test-ingest'));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true });
  await admin.disconnect();
  return topics;
}

const produce = (options: Partial<ProduceOptions> & Pick<ProduceOptions, 'kind' | 'csvPath'>) =>
  produceFile({ producer, registry, logger }, { replaySpeed: Infinity, injectedSessionIdBase: RESERVED_SESSION_ID_BASE, ...options });

/** The file's rows, split independently of the project's parser. */
const fileRows = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => l.split(','));

beforeAll(async () => {
  producer = await connectProducer(kafka, config.kafka.brokers);
  await generateDataset({ outDir: dir, sessions: 3000, from: '2014-04-01', to: '2014-04-02', seed: 7 });
});

afterAll(async () => {
  await producer.disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('producing a generated data set', () => {
  it('delivers every click and purchase once, keyed by session, decodable through the registry', async () => {
    const [clickTopic, buyTopic] = await freshTopics(2);
    const clickFile = path.join(dir, 'yoochoose-clicks.dat');
    const buyFile = path.join(dir, 'yoochoose-buys.dat');
    const clicks = await produce({ kind: 'clicks', csvPath: clickFile, topic: clickTopic });
    const buys = await produce({ kind: 'purchases', csvPath: buyFile, topic: buyTopic });

    const expectedClicks = fileRows(clickFile).map(([s, t, i, c]) => `${s}|${Date.parse(t!)}|${i}|${c}`).sort();
    const expectedBuys = fileRows(buyFile).map(([s, t, i, p, q]) => `${s}|${Date.parse(t!)}|${i}|${p}|${q}`).sort();
    expect(clicks).toMatchObject({ read: expectedClicks.length, produced: expectedClicks.length, deadLettered: 0 });
    expect(buys).toMatchObject({ read: expectedBuys.length, produced: expectedBuys.length, deadLettered: 0 });

    const decodeClick = createValueDecoder(registry, clickEventSchema);
    const decodeBuy = createValueDecoder(registry, purchaseEventSchema);
    const clickMessages = await readWholeTopic(kafka, clickTopic!);
    const gotClicks = await Promise.all(clickMessages.map(async ({ message }) => {
      const c = await decodeClick(message.value!);
      expect(message.key!.toString()).toBe(String(c.session_id));
      return `${c.session_id}|${c.timestamp}|${c.item_id}|${c.category}`;
    }));
    const gotBuys = await Promise.all((await readWholeTopic(kafka, buyTopic!)).map(async ({ message }) => {
      const b = await decodeBuy(message.value!);
      return `${b.session_id}|${b.timestamp}|${b.item_id}|${b.price}|${b.quantity}`;
    }));
    expect(gotClicks.sort()).toEqual(expectedClicks);
    expect(gotBuys.sort()).toEqual(expectedBuys);

    // One session's events share a partition, in event-time order.
    const partitionsOfSession = new Map<string, Set<number>>();
    for (const m of clickMessages) {
      const key = m.message.key!.toString();
      partitionsOfSession.set(key, (partitionsOfSession.get(key) ?? new Set()).add(m.partition));
    }
    expect([...partitionsOfSession.values()].every((p) => p.size === 1)).toBe(true);
  });
});

describe('bad rows', () => {
  it('go to the DLQ with file, line, raw text and reason, while the good rows are produced', async () => {
    const [topic, dlq] = await freshTopics(2);
    const file = path.join(dir, 'bad-clicks.dat');
    const lines = [
      '1,2014-04-07T10:51:09.277Z,214536502,0', // good
      '2,2014-04-07T10:51:10.000Z,214536503', // wrong column count
      'abc,2014-04-07T10:51:11.000Z,214536504,0', // non-numeric session
      '3,2014-13-07T10:51:12.000Z,214536505,0', // month 13
      '', // empty line in the middle
      '4,2014-04-07T10:51:13.000Z,xyz,S', // non-numeric item
      '5,2014-04-07T10:51:14.000Z,214536506,S', // good
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const summary = await produce({ kind: 'clicks', csvPath: file, topic, deadLetterTopic: dlq });
    expect(summary).toMatchObject({ read: 7, produced: 2, deadLettered: 5 });
    expect(summary.read).toBe(summary.produced + summary.deadLettered);

    const decode = createValueDecoder(registry, deadLetterSchema);
    const letters = await Promise.all((await readWholeTopic(kafka, dlq!)).map(({ message }) => decode(message.value!)));
    expect(letters.map((l) => [l.source, l.line, l.raw]).sort()).toEqual(
      [2, 3, 4, 5, 6].map((n) => ['bad-clicks.dat', n, lines[n - 1]]).sort(),
    );
    const reasonOf = (line: number) => letters.find((l) => l.line === line)!.reason;
    expect(reasonOf(2)).toMatch(/column/i);
    expect(reasonOf(3)).toMatch(/session_id/);
    expect(reasonOf(4)).toMatch(/timestamp/);
    expect(reasonOf(5)).toMatch(/empty/i);
    expect(reasonOf(6)).toMatch(/item_id/);
    for (const l of letters) expect(Math.abs(l.error_time - Date.now())).toBeLessThan(120_000);
    expect((await readWholeTopic(kafka, topic!)).length).toBe(2);
  });

  it('refuses negative prices and quantities in purchases', async () => {
    const [topic, dlq] = await freshTopics(2);
    const file = path.join(dir, 'bad-buys.dat');
    fs.writeFileSync(file, ['1,2014-04-07T10:51:09.277Z,214536502,-5,1', '1,2014-04-07T10:51:09.277Z,214536502,5,-1', '1,2014-04-07T10:51:09.277Z,214536502,0,0'].join('\n'));
    const summary = await produce({ kind: 'purchases', csvPath: file, topic, deadLetterTopic: dlq });
    expect(summary).toMatchObject({ read: 3, produced: 1, deadLettered: 2 });
    const decode = createValueDecoder(registry, deadLetterSchema);
    const reasons = await Promise.all((await readWholeTopic(kafka, dlq!)).map(async ({ message }) => (await decode(message.value!)).reason));
    expect(reasons.some((r) => /price/.test(r))).toBe(true);
    expect(reasons.some((r) => /quantity/.test(r))).toBe(true);
  });
});

describe('schema evolution (BACKWARD)', () => {
  const base = { type: 'record', name: 'ClickEvent', namespace: 'test.evolution', fields: [{ name: 'session_id', type: 'long' }, { name: 'item_id', type: 'long' }] };
  const register = (subject: string, schema: object) => registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });

  it('accepts a new optional field with a default', async () => {
    const subject = `${uniqueName('test-evolution')}-value`;
    const v1 = await register(subject, base);
    const v2 = await register(subject, { ...base, fields: [...base.fields, { name: 'referrer', type: ['null', 'string'], default: null }] });
    expect(v2.id).not.toBe(v1.id);
  });

  it('refuses a new required field without a default', async () => {
    const subject = `${uniqueName('test-evolution')}-value`;
    await register(subject, base);
    await expect(register(subject, { ...base, fields: [...base.fields, { name: 'price', type: 'long' }] })).rejects.toThrow(/incompatible/i);
  });
});

describe('replay speed', () => {
  it('replays 10 s of event time at 10× in about 1 s', async () => {
    const [topic] = await freshTopics(1);
    const file = path.join(dir, 'paced.dat');
    const start = Date.UTC(2014, 3, 7, 12, 0, 0);
    fs.writeFileSync(file, Array.from({ length: 101 }, (_, i) => `${i + 1},${new Date(start + i * 100).toISOString()},214536502,0`).join('\n'));
    const summary = await produce({ kind: 'clicks', csvPath: file, topic, replaySpeed: 10 });
    expect(summary.produced).toBe(101);
    expect(summary.seconds).toBeGreaterThan(0.8);
    expect(summary.seconds).toBeLessThan(3);
  });
});

describe('anomaly injection', () => {
  it('produces exactly the logged sessions, each inside the window it must trip', async () => {
    const [topic] = await freshTopics(1);
    const logged: Injection[] = [];
    const summary = await produce({
      kind: 'clicks',
      csvPath: path.join(dir, 'yoochoose-clicks.dat'),
      topic,
      anomalyIntervalSeconds: 3600,
      onInjection: (i) => logged.push(i),
    });
    expect(logged.length).toBeGreaterThanOrEqual(40); // two days, one an hour
    expect(summary.injectedSessions).toBe(logged.length);
    expect(new Set(logged.map((i) => i.anomaly_type))).toEqual(new Set(['HIGH_FREQUENCY', 'BOT_LIKE']));

    const decode = createValueDecoder(registry, clickEventSchema);
    const clicks = await Promise.all((await readWholeTopic(kafka, topic!)).map(({ message }) => decode(message.value!)));
    const injected = clicks.filter((c) => c.session_id >= RESERVED_SESSION_ID_BASE);
    expect(injected.length).toBe(summary.injected);
    const bySession = new Map<number, typeof injected>();
    for (const c of injected) bySession.set(c.session_id, [...(bySession.get(c.session_id) ?? []), c]);
    expect([...bySession.keys()].sort()).toEqual(logged.map((i) => i.session_id).sort());
    for (const injection of logged) {
      const own = bySession.get(injection.session_id)!;
      expect(own.length).toBe(injection.click_count);
      expect(new Set(own.map((c) => c.item_id)).size).toBe(injection.unique_items);
      for (const c of own) {
        expect(c.timestamp).toBeGreaterThanOrEqual(injection.window_start);
        expect(c.timestamp).toBeLessThan(injection.window_end);
      }
      if (injection.anomaly_type === 'HIGH_FREQUENCY') expect(injection.click_count).toBeGreaterThanOrEqual(50);
      else expect(injection.click_count >= 100 && injection.unique_items <= 5).toBe(true);
    }
  });
});

describe('broker unavailable at start', () => {
  it('fails with a clear error naming Kafka after a bounded retry', async () => {
    const unreachable = createKafka({ ...config, kafka: { brokers: ['127.0.0.1:1'] } }, 'unreachable-test', { quiet: true, retries: 2 });
    const started = Date.now();
    await expect(connectProducer(unreachable, ['127.0.0.1:1'])).rejects.toThrow(/Kafka is not reachable.*127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
