/**
 * The raw data lake against the real Kafka, registry, S3Proxy and ClickHouse:
 * two sink members in one group split the partitions and write every record
 * of a generated data set (with late arrivals and a few undecodable
 * messages) exactly once, into the folder of its own event hour; ClickHouse
 * reads the lake with `s3()` and counts what Kafka holds; replaying one hour
 * from the lake reproduces exactly that hour's events, in offset order.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin, Producer } from 'kafkajs';
import { registerValueEncoder } from '../../lib/avro-codec.ts';
import { createClickHouse } from '../../lib/clients/clickhouse.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';
import { connectProducer } from '../../ingest/producer/produce-file.ts';
import { DEFAULT_SINK_SETTINGS, startSink, type RunningSink } from '../../ingest/lake/index.ts';
import { clickEventSchema, deadLetterSchema, purchaseEventSchema } from '../../schemas/index.ts';
import { createValueDecoder } from '../../lib/avro-codec.ts';
import { config, readWholeTopic, uniqueName, waitFor } from '../helpers.ts';
import {
  deletePrefix,
  expectExactlyOnce,
  freshTopics,
  kafkaRecords,
  lakeRecords,
  logger,
  produce,
  registry,
  waitCommitted,
  withLateArrivals,
  type KafkaRecord,
} from './lake-helpers.ts';

const kafka = createKafka(config, 'lake-test');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-test-'));
const prefix = `test-lake/${uniqueName('run')}`;
const groupPrefix = `${uniqueName('test-lake-group')}-`;
let clickTopic: string;
let buyTopic: string;
let dlqTopic: string;
let admin: Admin;
let producer: Producer;
const sinks: RunningSink[] = [];
let clicks: KafkaRecord[];
let buys: KafkaRecord[];
const GARBAGE = ['not avro at all', '\u0000\u0000\u0000\u0003\u00e7garbage'];

beforeAll(async () => {
  await generateDataset({ outDir: dir, sessions: 4000, from: '2014-04-01', to: '2014-04-02', seed: 17 });
  withLateArrivals(path.join(dir, 'yoochoose-clicks.dat'), path.join(dir, 'late-clicks.dat'));
  [clickTopic, buyTopic] = (await freshTopics(kafka, 2)) as [string, string];
  dlqTopic = (await freshTopics(kafka, 1, 1))[0]!;
  admin = kafka.admin();
  await admin.connect();
  producer = await connectProducer(kafka, config.kafka.brokers);
  // The sink reads a non-project topic's schema from the registry: register it as the producer would.
  await registerValueEncoder(registry, clickTopic, clickEventSchema);
  await registerValueEncoder(registry, buyTopic, purchaseEventSchema);

  const settings = { ...DEFAULT_SINK_SETTINGS, prefix, groupPrefix, maxRows: 400, maxAgeMs: 2000, sessionTimeoutMs: 10_000, deadLetterTopic: dlqTopic };
  for (let i = 0; i < 2; i++) sinks.push(await startSink(config, [clickTopic, buyTopic], settings, logger));
  // Both members hold partitions before any data arrives.
  await waitFor(
    async () => sinks.map((s) => s.sinks[0]!.assignedPartitions().length),
    (n) => n.every((count) => count > 0) && n.reduce((a, b) => a + b, 0) === 3,
    60_000,
  );

  await produce(producer, 'clicks', path.join(dir, 'late-clicks.dat'), clickTopic);
  await producer.send({ topic: clickTopic, acks: -1, messages: GARBAGE.map((value) => ({ key: 'garbage', value })) });
  await produce(producer, 'purchases', path.join(dir, 'yoochoose-buys.dat'), buyTopic);

  expect(await waitCommitted(admin, `${groupPrefix}${clickTopic}`, clickTopic)).toBe(true);
  expect(await waitCommitted(admin, `${groupPrefix}${buyTopic}`, buyTopic)).toBe(true);
  clicks = await kafkaRecords(kafka, clickTopic, 'clicks');
  buys = await kafkaRecords(kafka, buyTopic, 'purchases');
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(sinks.map((s) => s.stop(5000)));
  await producer?.disconnect();
  await admin?.disconnect();
  await deletePrefix(prefix);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('lake sink', () => {
  it('splits the partitions between the members of its group', () => {
    for (const topicIndex of [0, 1]) {
      const assigned = sinks.map((s) => [...s.sinks[topicIndex]!.assignedPartitions()]);
      expect(assigned.flat().sort()).toEqual([0, 1, 2]);
      expect(assigned.every((partitions) => partitions.length > 0)).toBe(true);
    }
    expect(sinks.every((s) => s.sinks[0]!.stats.filesUploaded > 0)).toBe(true);
  });

  it('writes every record exactly once, in the folder of its own event hour', async () => {
    const fileRows = fs.readFileSync(path.join(dir, 'yoochoose-clicks.dat'), 'utf8').split('\n').filter(Boolean).length;
    expect(clicks.filter((r) => r.value !== undefined).length).toBe(fileRows);
    expectExactlyOnce(await lakeRecords(prefix, clickTopic), clicks, clickTopic);
    expectExactlyOnce(await lakeRecords(prefix, buyTopic), buys, buyTopic);
    // Late arrivals really made partitions hold several hours at once: some hour has several files per partition.
    const lake = await lakeRecords(prefix, clickTopic);
    const filesPerPartitionHour = new Map<string, Set<string>>();
    for (const r of lake) {
      const id = `${r.filePartition}/${r.dt}/${r.hour}`;
      filesPerPartitionHour.set(id, (filesPerPartitionHour.get(id) ?? new Set()).add(r.key));
    }
    expect(Math.max(...[...filesPerPartitionHour.values()].map((s) => s.size))).toBeGreaterThan(1);
  });

  it('sends undecodable messages to the dead-letter topic instead of the lake', async () => {
    const garbage = clicks.filter((r) => r.value === undefined);
    expect(garbage.length).toBe(GARBAGE.length);
    const decode = createValueDecoder(registry, deadLetterSchema);
    const letters = await Promise.all((await readWholeTopic(kafka, dlqTopic)).map(({ message }) => decode(message.value!)));
    expect(letters.map((l) => l.source)).toEqual(GARBAGE.map(() => clickTopic));
    expect(letters.map((l) => l.reason).sort()).toEqual(
      garbage.map((g) => expect.stringMatching(new RegExp(`^partition ${g.partition} offset ${g.offset}: `))).sort(),
    );
    expect(letters.map((l) => l.raw)).toContain(GARBAGE[0]);
  });
});

describe('ClickHouse over the lake', () => {
  it('counts per day what the raw topics hold', async () => {
    const ch = createClickHouse(config, { database: 'default' });
    try {
      const up = await waitFor(
        () => ch.ping().then((r) => r.success),
        (ok) => ok,
        120_000,
        1000,
      );
      expect(up, `ClickHouse at ${config.clickhouse.url} did not answer`).toBe(true);
      for (const [topic, records] of [[clickTopic, clicks], [buyTopic, buys]] as const) {
        const expected: Record<string, number> = {};
        for (const r of records) {
          if (!r.value) continue;
          const day = new Date(r.value.timestamp as number).toISOString().slice(0, 10);
          expected[day] = (expected[day] ?? 0) + 1;
        }
        const source = `s3('${config.s3.endpoint}/${config.s3.bucket}/${prefix}/${topic}/**.parquet', '${config.s3.accessKeyId}', '${config.s3.secretAccessKey}', 'Parquet')`;
        const result = await ch.query({
          query: `SELECT toString(toDate(timestamp)) AS day, count() AS n,
                         uniqExact(_partition, _offset) AS distinct_records,
                         countIf(extract(_path, 'dt=([0-9-]+)') != day OR toUInt8(extract(_path, 'hour=([0-9]+)')) != toHour(timestamp)) AS misplaced
                  FROM ${source} GROUP BY day ORDER BY day`,
          format: 'JSONEachRow',
        });
        const rows = await result.json<{ day: string; n: string | number; distinct_records: string | number; misplaced: string | number }>();
        expect(Object.fromEntries(rows.map((r) => [r.day, Number(r.n)]))).toEqual(expected);
        expect(rows.every((r) => Number(r.distinct_records) === Number(r.n) && Number(r.misplaced) === 0)).toBe(true);
      }
    } finally {
      await ch.close();
    }
  });
});

describe('replay', () => {
  it('reproduces exactly one hour of events, in offset order per partition', async () => {
    const [target] = await freshTopics(kafka, 1);
    const from = '2014-04-01T12:00:00.000Z';
    const to = '2014-04-01T13:00:00.000Z';
    const replayStarted = Date.now();
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'ingest/lake/main.ts', 'replay', '--topic', clickTopic, '--from', from, '--to', to, '--target-topic', target!, '--prefix', prefix],
      { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn' }, timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);

    // Expected: the source file's clicks of that hour, read without the project's code.
    const [fromMs, toMs] = [Date.parse(from), Date.parse(to)];
    const expected = fs
      .readFileSync(path.join(dir, 'yoochoose-clicks.dat'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(','))
      .filter(([, t]) => Date.parse(t!) >= fromMs && Date.parse(t!) < toMs)
      .map(([s, t, i, c]) => `${s}|${Date.parse(t!)}|${i}|${c}`)
      .sort();
    expect(expected.length).toBeGreaterThan(100);
    expect(run.stdout).toMatch(new RegExp(`produced ${expected.length}\\b`));

    const replayed = await readWholeTopic(kafka, target!);
    const decode = createValueDecoder(registry, clickEventSchema);
    const got = await Promise.all(
      replayed.map(async (m) => {
        const v = await decode(m.message.value!);
        expect(m.message.key!.toString()).toBe(String(v.session_id));
        expect(Number(m.message.timestamp)).toBeGreaterThanOrEqual(replayStarted - 1000); // the broker's time, not 2014
        return { partition: m.partition, offset: Number(m.offset), id: `${v.session_id}|${v.timestamp}|${v.item_id}|${v.category}` };
      }),
    );
    expect(got.map((g) => g.id).sort()).toEqual(expected);

    // Per partition, the replayed sequence is the source partition's sequence of that hour.
    for (const partition of [0, 1, 2]) {
      const source = clicks
        .filter((r) => r.partition === partition && r.value && (r.value.timestamp as number) >= fromMs && (r.value.timestamp as number) < toMs)
        .sort((a, b) => a.offset - b.offset)
        .map((r) => `${r.value!.session_id}|${r.value!.timestamp}|${r.value!.item_id}|${r.value!.category}`);
      const replayedHere = got.filter((g) => g.partition === partition).sort((a, b) => a.offset - b.offset).map((g) => g.id);
      expect(replayedHere).toEqual(source);
    }
  });
});
