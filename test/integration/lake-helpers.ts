/**
 * Shared by the lake suites: fresh topics, a generated data set with late
 * arrivals, producing it, reading the lake back and Kafka's own view of the
 * same records, and checking "each exactly once, in its own hour's folder"
 * against what Kafka holds (computed independently of the sink).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { expect } from 'vitest';
import { createValueDecoder } from '../../lib/avro-codec.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { RESERVED_SESSION_ID_BASE } from '../../ingest/generator/session-ids.ts';
import { produceFile } from '../../ingest/producer/produce-file.ts';
import { listLakeFiles, readLakeFile } from '../../ingest/lake/index.ts';
import { createS3 } from '../../lib/clients/s3.ts';
import { clickEventSchema, purchaseEventSchema, type EventSchema } from '../../schemas/index.ts';
import { config, readWholeTopic, uniqueName, waitFor } from '../helpers.ts';

export const registry = createRegistry(config);
export const s3 = createS3(config);
export const logger = createLogger('lake-test');

export async function freshTopics(kafka: Kafka, n: number, partitions = 3): Promise<string[]> {
  const topics = Array.from({ length: n }, () => uniqueName('test-lake'));
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  await admin.disconnect();
  return topics;
}

/**
 * A copy of a sorted YOOCHOOSE file where every 20th line arrives 100–1,500
 * lines late (event time unchanged): partitions then hold several event
 * hours open at once, which is what the commit bookkeeping must survive.
 */
export function withLateArrivals(file: string, out: string): void {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const slots = lines.map((line, i) => ({ line, at: i % 20 === 7 ? i + 100 + ((i * 7919) % 1400) : i }));
  slots.sort((a, b) => a.at - b.at);
  fs.writeFileSync(out, `${slots.map((s) => s.line).join('\n')}\n`);
}

export function produce(producer: Producer, kind: 'clicks' | 'purchases', csvPath: string, topic: string, replaySpeed = Infinity) {
  return produceFile(
    { producer, registry, logger },
    { kind, csvPath, topic, replaySpeed, injectedSessionIdBase: RESERVED_SESSION_ID_BASE, batchSize: 500 },
  );
}

export interface KafkaRecord {
  partition: number;
  offset: number;
  key: string | null;
  /** Kafka message timestamp, epoch ms. */
  timestamp: number;
  /** The decoded value, or undefined when it is not Confluent-framed Avro. */
  value: Record<string, unknown> | undefined;
}

/** Every record of the topic as Kafka holds it, decoded with the project's schema. */
export async function kafkaRecords(kafka: Kafka, topic: string, kind: 'clicks' | 'purchases'): Promise<KafkaRecord[]> {
  const decode = createValueDecoder<unknown>(registry, (kind === 'clicks' ? clickEventSchema : purchaseEventSchema) as EventSchema<unknown>);
  const messages = await readWholeTopic(kafka, topic, 120_000);
  return Promise.all(
    messages.map(async (m) => ({
      partition: m.partition,
      offset: Number(m.offset),
      key: m.message.key?.toString() ?? null,
      timestamp: Number(m.message.timestamp),
      value: await decode(m.message.value!).then(
        (v) => v as unknown as Record<string, unknown>,
        () => undefined,
      ),
    })),
  );
}

export interface LakeRecord {
  key: string;
  dt: string;
  hour: string;
  fileFirstOffset: number;
  filePartition: number;
  row: Record<string, unknown>;
}

export async function lakeRecords(prefix: string, topic: string): Promise<LakeRecord[]> {
  const out: LakeRecord[] = [];
  for (const file of await listLakeFiles(s3, config.s3.bucket, prefix, topic)) {
    const m = /dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//.exec(file.key)!;
    for (const row of (await readLakeFile(s3, config.s3.bucket, file.key)).rows) {
      out.push({ key: file.key, dt: m[1]!, hour: m[2]!, fileFirstOffset: file.firstOffset, filePartition: file.partition, row });
    }
  }
  return out;
}

/**
 * The lake holds every decodable Kafka record of the topic exactly once,
 * with the same values, in the folder of its own event hour (UTC), in a file
 * named after its partition and first offset.
 */
export function expectExactlyOnce(lake: LakeRecord[], kafka: KafkaRecord[], topic: string): void {
  const expected = new Map(kafka.filter((r) => r.value !== undefined).map((r) => [`${r.partition}:${r.offset}`, r]));
  const counts = new Map<string, number>();
  for (const r of lake) {
    const id = `${r.row._partition}:${r.row._offset}`;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const doubled = [...counts].filter(([, n]) => n > 1);
  expect(doubled.slice(0, 5), `${doubled.length} records in more than one file`).toEqual([]);
  const missing = [...expected.keys()].filter((id) => !counts.has(id));
  expect(missing.slice(0, 5), `${missing.length} records missing from the lake`).toEqual([]);
  expect(counts.size).toBe(expected.size);

  const problems: string[] = [];
  const firstOffsets = new Map<string, number>();
  for (const r of lake) {
    const id = `${r.row._partition}:${r.row._offset}`;
    const source = expected.get(id)!;
    const value = source.value!;
    const iso = new Date(value.timestamp as number).toISOString();
    if (r.dt !== iso.slice(0, 10) || r.hour !== iso.slice(11, 13)) problems.push(`${id}: event time ${iso} in folder dt=${r.dt}/hour=${r.hour}`);
    if (r.row._topic !== topic || r.row._partition !== r.filePartition) problems.push(`${id}: in ${r.key}`);
    for (const [field, v] of Object.entries(value)) if (r.row[field] !== v) problems.push(`${id}: ${field} = ${String(r.row[field])}, Kafka has ${String(v)}`);
    if (((r.row._key as Buffer | null)?.toString() ?? null) !== source.key) problems.push(`${id}: key differs`);
    if (r.row._timestamp !== source.timestamp) problems.push(`${id}: Kafka timestamp ${String(r.row._timestamp)}, Kafka has ${source.timestamp}`);
    firstOffsets.set(r.key, Math.min(firstOffsets.get(r.key) ?? Infinity, r.row._offset as number));
  }
  for (const [key, first] of firstOffsets) if (!key.endsWith(`+${first}.parquet`)) problems.push(`${key}: first offset is ${first}`);
  expect(problems.slice(0, 10), `${problems.length} problems`).toEqual([]);
}

/** Waits until the group has committed the topic's end offsets on every partition. */
export async function waitCommitted(admin: Admin, groupId: string, topic: string, timeoutMs = 120_000): Promise<boolean> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  const done = await waitFor(
    async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [],
    (partitions) => partitions.length === ends.size && partitions.every((p) => p.offset === ends.get(p.partition)),
    timeoutMs,
    500,
  );
  return done.length === ends.size && done.every((p) => p.offset === ends.get(p.partition));
}

export interface SinkProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The sink as its own process (`ingest/lake/main.ts sink …`), JSON logs captured. */
export function spawnSink(args: string[]): SinkProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'ingest/lake/main.ts'), 'sink', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Log lines of a captured JSON log whose `msg` matches. */
export const logLines = (output: string, msg: RegExp): Array<Record<string, unknown>> =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => typeof l.msg === 'string' && msg.test(l.msg));

/** Deletes a test's lake prefix (one DeleteObject each: S3Proxy refuses DeleteObjects' checksum header). */
export async function deletePrefix(prefix: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => o.Key!).filter(Boolean);
    for (let i = 0; i < keys.length; i += 16) {
      await Promise.all(keys.slice(i, i + 16).map((Key) => s3.send(new DeleteObjectCommand({ Bucket: config.s3.bucket, Key }))));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
