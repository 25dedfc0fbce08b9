/**
 * The anomaly detector against the real Kafka, registry, PostgreSQL and
 * ClickHouse. Each run has its own topics, consumer groups and PostgreSQL
 * schema (the project's migrations applied into it), so concurrent runs
 * never see each other's rows.
 *
 * The stream is a generated day (whose sessions never trip a rule: clicks of
 * a generated session are ≥ 1 s apart) with the producer's injected
 * anomalies every 10 minutes of event time, then one sentinel click per
 * partition an hour after the day, which moves every partition's watermark
 * past the last window. Expected rows come from the producer's injection log
 * and, independently, from ClickHouse window functions over the raw clicks.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { createValueDecoder, registerValueEncoder } from '../../lib/avro-codec.ts';
import { createClickHouse } from '../../lib/clients/clickhouse.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { createLogger } from '../../lib/logger.ts';
import { sleep } from '../../lib/retry.ts';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';
import { RESERVED_SESSION_ID_BASE } from '../../ingest/generator/session-ids.ts';
import type { Injection } from '../../ingest/producer/anomaly-injector.ts';
import { connectProducer, produceFile } from '../../ingest/producer/produce-file.ts';
import { anomalyEventSchema, clickEventSchema } from '../../schemas/index.ts';
import { connectDetectorDeps, detectorOptionsFrom } from '../../detector/command.ts';
import { startDetector, type RunningDetector } from '../../detector/detector.ts';
import { config, readWholeTopic, uniqueName, waitFor } from '../helpers.ts';
import {
  checkpointsAtEnd,
  createDetectorSchema,
  createTopics,
  deleteTopics,
  produceSentinels,
  readAnomalyRows,
  readCheckpoints,
  rowKey,
  spawnDetector,
  type AnomalyRow,
  type DetectorProcess,
} from '../detector-helpers.ts';

const kafka = createKafka(config, 'detector-test');
const registry = createRegistry(config);
const logger = createLogger('detector-test');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detector-test-'));
const clickFile = path.join(dir, 'yoochoose-clicks.dat');
const DAY_END = Date.parse('2014-04-02T00:00:00.000Z');
const PARTITIONS = 3;
const topics: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let producer: Producer;

const injectionKey = (i: Injection) => `${i.session_id}|${i.anomaly_type}|${i.window_start}|${i.window_end}|${i.click_count}|${i.unique_items}`;
const keys = (rows: AnomalyRow[]) => rows.map(rowKey).sort();

async function freshTopics(n: number): Promise<string[]> {
  const names = Array.from({ length: n }, () => uniqueName('test-detector'));
  await createTopics(kafka, names, PARTITIONS);
  topics.push(...names);
  return names;
}

async function freshSchema() {
  const db = await createDetectorSchema(config, uniqueName('det'));
  cleanups.push(() => db.drop());
  return db;
}

/** The generated day plus injections every 600 s of event time, then the sentinels; returns the injection log and the message count. */
async function produceDay(topic: string, replaySpeed: number): Promise<{ injections: Injection[]; messages: number }> {
  const injections: Injection[] = [];
  const summary = await produceFile(
    { producer, registry, logger },
    {
      kind: 'clicks',
      csvPath: clickFile,
      topic,
      replaySpeed,
      anomalyIntervalSeconds: 600,
      injectedSessionIdBase: RESERVED_SESSION_ID_BASE,
      onInjection: (injection) => injections.push(injection),
    },
  );
  await produceSentinels(producer, registry, topic, PARTITIONS, DAY_END + 3_600_000);
  return { injections, messages: summary.produced + summary.injected + PARTITIONS };
}

async function inProcessDetector(inputTopic: string, outputTopic: string, groupId: string, pgSchema: string, metricsPort?: number): Promise<RunningDetector> {
  const deps = await connectDetectorDeps(config, createLogger('detector'), `test-${groupId}`);
  const detector = await startDetector(
    deps,
    detectorOptionsFrom(config, { inputTopic, outputTopic, groupId, pgSchema, batchIntervalMs: 500, checkpointIntervalMs: 0, sessionTimeoutMs: 6000, metricsPort }),
  );
  cleanups.push(async () => {
    await detector.stop();
    await deps.close();
  });
  return detector;
}

async function waitUntilDone(db: { pool: import('pg').Pool; schema: string }, groupId: string, topic: string, timeoutMs = 90_000): Promise<void> {
  const done = await waitFor(() => checkpointsAtEnd(kafka, db.pool, db.schema, groupId, topic), Boolean, timeoutMs, 300);
  expect(done, `group ${groupId} checkpointed the whole topic`).toBe(true);
}

async function waitOutboxEmpty(db: { pool: import('pg').Pool; schema: string }): Promise<void> {
  const n = await waitFor(
    async () => Number((await db.pool.query(`SELECT count(*) AS n FROM "${db.schema}".anomaly_outbox`)).rows[0].n),
    (count) => count === 0,
    30_000,
    200,
  );
  expect(n).toBe(0);
}

/**
 * The topic's committed AnomalyEvents, once at least `atLeast` are visible: a
 * transaction's records become visible to read_committed readers when its
 * markers are written, just after the producer's commit returned (and the
 * outbox rows were deleted).
 */
async function readAnomalyTopic(topic: string, atLeast: number): Promise<AnomalyRow[]> {
  const decode = createValueDecoder(registry, anomalyEventSchema);
  const read = async () =>
    Promise.all(
      (await readWholeTopic(kafka, topic)).map(async ({ message }) => {
        const e = await decode(message.value!);
        expect(message.key?.toString()).toBe(String(e.session_id));
        return { ...e, anomaly_type: e.anomaly_type as string };
      }),
    );
  return waitFor(read, (events) => events.length >= atLeast, 10_000, 200);
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  producer = await connectProducer(kafka, config.kafka.brokers);
  await generateDataset({ outDir: dir, sessions: 4000, from: '2014-04-01', to: '2014-04-01', seed: 21 });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await producer?.disconnect();
  await deleteTopics(kafka, topics);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('detecting a generated day with injected anomalies', () => {
  it('finds every injected session with its type and window, nothing else, and the same rows as ClickHouse SQL over the raw clicks', async () => {
    const [input, output] = await freshTopics(2);
    const { injections, messages } = await produceDay(input!, Infinity);
    expect(injections.length).toBeGreaterThan(100);
    const db = await freshSchema();
    const groupId = uniqueName('detector');
    const metricsPort = await freePort();
    const detector = await inProcessDetector(input!, output!, groupId, db.schema, metricsPort);
    await waitUntilDone(db, groupId, input!);

    // 1. the producer's injection log: every injected session, right type, window and counts; no row for normal traffic
    const rows = await readAnomalyRows(db.pool, db.schema);
    expect(keys(rows)).toEqual(injections.map(injectionKey).sort());
    expect(new Set(rows.map((r) => r.anomaly_type))).toEqual(new Set(['HIGH_FREQUENCY', 'BOT_LIKE']));

    // nothing was late (the stream is in event-time order per partition) and every click was counted once
    const checkpoints = await readCheckpoints(db.pool, db.schema, groupId);
    expect(checkpoints).toHaveLength(PARTITIONS);
    expect(checkpoints.reduce((n, c) => n + c.snapshot.counters.lateClicks, 0)).toBe(0);
    expect(checkpoints.reduce((n, c) => n + c.snapshot.counters.acceptedClicks, 0)).toBe(messages);
    expect(detector.metrics.totals.lateEvents).toBe(0);

    // 2. the anomaly topic: one AnomalyEvent per row (no crash here), keyed by session_id, same values
    await waitOutboxEmpty(db);
    const events = await readAnomalyTopic(output!, rows.length);
    expect(events).toHaveLength(rows.length);
    expect(keys(events)).toEqual(keys(rows));
    const detectedAt = new Map(rows.map((r) => [rowKey(r), r.detected_at]));
    for (const e of events) expect((e as AnomalyRow & { detected_at: number }).detected_at).toBe(detectedAt.get(rowKey(e)));

    // 3. independently: ClickHouse tumble/hop windows over the raw clicks, read back from the topic
    const decode = createValueDecoder(registry, clickEventSchema);
    const clicks = await Promise.all((await readWholeTopic(kafka, input!)).map(async ({ message }) => decode(message.value!)));
    expect(clicks).toHaveLength(messages);
    const database = uniqueName('det').replace(/-/g, '_');
    const ch = createClickHouse(config, { database: 'default' });
    cleanups.push(async () => {
      await ch.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await ch.close();
    });
    await ch.command({ query: `CREATE DATABASE ${database}` });
    await ch.command({
      query: `CREATE TABLE ${database}.clicks (session_id Int64, ts_ms Int64, item_id Int64,
                ts DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(ts_ms, 'UTC'))
              ENGINE = MergeTree ORDER BY (session_id, ts_ms)`,
    });
    await ch.insert({
      table: `${database}.clicks`,
      values: clicks.map((c) => ({ session_id: c.session_id, ts_ms: c.timestamp, item_id: c.item_id })),
      format: 'JSONEachRow',
    });
    // Window bounds are whole seconds, so toDateTime (which drops the milliseconds) assigns every click exactly.
    // hop() outside a WINDOW VIEW returns only the earliest window holding the click: the others are that start + k·slide.
    const result = await ch.query({
      query: `
        SELECT session_id, 'HIGH_FREQUENCY' AS anomaly_type,
               toUnixTimestamp(tumbleStart(toDateTime(ts), INTERVAL {hf:UInt32} SECOND)) * 1000 AS window_start,
               toUnixTimestamp(tumbleEnd(toDateTime(ts), INTERVAL {hf:UInt32} SECOND)) * 1000 AS window_end,
               count() AS click_count, uniqExact(item_id) AS unique_items
        FROM ${database}.clicks
        GROUP BY session_id, window_start, window_end
        HAVING click_count >= {hfMin:UInt32}
        UNION ALL
        SELECT session_id, 'BOT_LIKE' AS anomaly_type, window_start, window_start + {botSize:UInt32} * 1000 AS window_end,
               count() AS click_count, uniqExact(item_id) AS unique_items
        FROM (
          SELECT session_id, item_id,
                 arrayJoin(arrayMap(k -> toUnixTimestamp(hopStart(toDateTime(ts), INTERVAL {botSlide:UInt32} SECOND, INTERVAL {botSize:UInt32} SECOND)) * 1000 + k * {botSlide:UInt32} * 1000,
                                    range(intDiv({botSize:UInt32}, {botSlide:UInt32})))) AS window_start
          FROM ${database}.clicks
        )
        GROUP BY session_id, window_start
        HAVING click_count >= {botMin:UInt32} AND unique_items <= {botMaxItems:UInt32}`,
      query_params: { hf: 10, hfMin: 50, botSize: 60, botSlide: 30, botMin: 100, botMaxItems: 5 },
      format: 'JSONEachRow',
    });
    const fromClickHouse = (await result.json<Record<string, string | number>>()).map((r) => ({
      session_id: Number(r.session_id),
      anomaly_type: String(r.anomaly_type),
      window_start: Number(r.window_start),
      window_end: Number(r.window_end),
      click_count: Number(r.click_count),
      unique_items: Number(r.unique_items),
    }));
    expect(fromClickHouse.length).toBe(rows.length);
    expect(keys(fromClickHouse)).toEqual(keys(rows));

    // 4. a click for an injected window that is already final is late: dropped (the row keeps its 60 clicks) and counted
    const hf = injections.find((i) => i.anomaly_type === 'HIGH_FREQUENCY')!;
    const encoder = await registerValueEncoder(registry, input!, clickEventSchema);
    await producer.send({
      topic: input!,
      acks: -1,
      messages: [{ key: String(hf.session_id), value: encoder.encode({ session_id: hf.session_id, timestamp: hf.window_start + 1, item_id: 1, category: '0' }) }],
    });
    await waitUntilDone(db, groupId, input!);
    expect(detector.metrics.totals.lateEvents).toBe(1);
    expect(keys(await readAnomalyRows(db.pool, db.schema))).toEqual(keys(rows));
    const lateAfter = (await readCheckpoints(db.pool, db.schema, groupId)).reduce((n, c) => n + c.snapshot.counters.lateClicks, 0);
    expect(lateAfter).toBe(1);
    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(scraped).toMatch(new RegExp(`^detector_events_total ${messages + 1}$`, 'm'));
    expect(scraped).toMatch(/^detector_late_events_total 1$/m);
    expect(scraped).toMatch(new RegExp(`^detector_anomalies_written_total\\{anomaly_type="HIGH_FREQUENCY"\\} ${rows.filter((r) => r.anomaly_type === 'HIGH_FREQUENCY').length}$`, 'm'));
  });
});

describe('crashes and scale-out converge to the uninterrupted table', () => {
  let expected: string[];
  const runs: Record<'reference' | 'crashed' | 'pair', { db: Awaited<ReturnType<typeof freshSchema>>; groupId: string; output: string }> = {} as never;
  const processes: DetectorProcess[] = [];
  let crashed: DetectorProcess;
  let restarted: DetectorProcess;
  /** Checkpointed next offset per partition as the killed process left them. */
  let killedAt: number[] = [];
  let totalMessages = 0;

  const spawn = (run: { db: { schema: string }; groupId: string; output: string }, input: string) => {
    const p = spawnDetector(['--input-topic', input, '--output-topic', run.output, '--group-id', run.groupId, '--pg-schema', run.db.schema], {
      DETECTOR_BATCH_INTERVAL_MS: '500',
      // checkpoints spaced wider than micro-batches: after the crash, rows written after the last checkpoint are re-derived
      DETECTOR_CHECKPOINT_INTERVAL_MS: '2000',
      DETECTOR_SESSION_TIMEOUT_MS: '6000',
      DETECTOR_LOG_INTERVAL_MS: '2000',
    });
    processes.push(p);
    return p;
  };
  const started = (p: DetectorProcess) => waitFor(async () => p.output(), (out) => out.includes('"detector started"'), 60_000, 200);

  beforeAll(async () => {
    const [input, outReference, outCrashed, outPair] = await freshTopics(4);
    for (const [name, output] of [['reference', outReference], ['crashed', outCrashed], ['pair', outPair]] as const) {
      runs[name] = { db: await freshSchema(), groupId: uniqueName(`detector-${name}`), output: output! };
    }
    cleanups.push(async () => {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    });
    // the uninterrupted reference runs in this process; the others as real processes, started before the stream
    await inProcessDetector(input!, runs.reference.output, runs.reference.groupId, runs.reference.db.schema);
    crashed = spawn(runs.crashed, input!);
    const pair = [spawn(runs.pair, input!), spawn(runs.pair, input!)];
    for (const p of [crashed, ...pair]) await started(p);

    // one day of event time in about 25 s
    const production = produceDay(input!, 3500);
    // SIGKILL the crashing detector mid-stream, once it has checkpointed part of the topic
    const progress = await waitFor(
      async () => (await readCheckpoints(runs.crashed.db.pool, runs.crashed.db.schema, runs.crashed.groupId)).reduce((n, c) => n + c.nextOffset, 0),
      (offsets) => offsets > 12_000,
      60_000,
      200,
    );
    expect(progress).toBeGreaterThan(12_000);
    const rowsBeforeKill = (await readAnomalyRows(runs.crashed.db.pool, runs.crashed.db.schema)).length;
    expect(rowsBeforeKill).toBeGreaterThan(0);
    crashed.child.kill('SIGKILL');
    expect(await crashed.exited).toBe('SIGKILL');
    // what the restart must resume from: the checkpoints as the killed process left them
    killedAt = (await readCheckpoints(runs.crashed.db.pool, runs.crashed.db.schema, runs.crashed.groupId)).map((c) => c.nextOffset);
    await sleep(1000);
    restarted = spawn(runs.crashed, input!);

    const { injections, messages } = await production;
    totalMessages = messages;
    expect(killedAt.reduce((n, o) => n + o, 0)).toBeLessThan(messages); // it really was mid-stream
    expected = injections.map(injectionKey).sort();
    for (const run of Object.values(runs)) await waitUntilDone(run.db, run.groupId, input!, 120_000);
    for (const run of Object.values(runs)) await waitOutboxEmpty(run.db);
  });

  it('an uninterrupted run finds exactly the injected sessions', async () => {
    const rows = await readAnomalyRows(runs.reference.db.pool, runs.reference.db.schema);
    expect(keys(rows)).toEqual(expected);
  });

  it('SIGKILL mid-stream and restart: the final table equals the uninterrupted run’s, and the topic holds every row', async () => {
    const reference = keys(await readAnomalyRows(runs.reference.db.pool, runs.reference.db.schema));
    const rows = await readAnomalyRows(runs.crashed.db.pool, runs.crashed.db.schema);
    expect(keys(rows)).toEqual(reference);
    // the restarted process resumed each partition from the checkpoint the killed one left, not from the beginning
    const firstRestore = new Map<number, number>();
    for (const line of restarted.output().split('\n').filter((l) => l.includes('"partition restored"'))) {
      const { partition, nextOffset } = JSON.parse(line) as { partition: number; nextOffset: number };
      if (!firstRestore.has(partition)) firstRestore.set(partition, nextOffset);
    }
    expect(killedAt).toHaveLength(PARTITIONS);
    expect(killedAt.every((offset) => offset > 0)).toBe(true);
    expect([0, 1, 2].map((p) => firstRestore.get(p))).toEqual(killedAt);
    const checkpoints = await readCheckpoints(runs.crashed.db.pool, runs.crashed.db.schema, runs.crashed.groupId);
    expect(checkpoints.reduce((n, c) => n + c.snapshot.counters.lateClicks, 0)).toBe(0);
    // exactly once on the topic, though the publisher was killed too (whatever it was doing)
    const events = await readAnomalyTopic(runs.crashed.output, rows.length);
    expect(events).toHaveLength(rows.length);
    expect(keys(events)).toEqual(keys(rows));
  });

  it('two processes in one group split the partitions and write the same rows as one', async () => {
    const reference = keys(await readAnomalyRows(runs.reference.db.pool, runs.reference.db.schema));
    const rows = await readAnomalyRows(runs.pair.db.pool, runs.pair.db.schema);
    expect(keys(rows)).toEqual(reference);
    const checkpoints = await readCheckpoints(runs.pair.db.pool, runs.pair.db.schema, runs.pair.groupId);
    expect(checkpoints.map((c) => c.partition)).toEqual([0, 1, 2]);
    expect(new Set(checkpoints.map((c) => c.writtenBy)).size).toBe(2);
    expect(checkpoints.reduce((n, c) => n + c.nextOffset, 0)).toBe(totalMessages);
    // both processes wrote rows; the one holding the outbox lease published them all, once
    const events = await readAnomalyTopic(runs.pair.output, rows.length);
    expect(events).toHaveLength(rows.length);
    expect(keys(events)).toEqual(keys(rows));
  });

  it('stops cleanly on SIGTERM', async () => {
    const running = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const ended = processes.filter((p) => p !== crashed && !running.includes(p));
    expect(ended.map((p) => `exit ${p.child.exitCode ?? p.child.signalCode}: ${p.output().slice(-3000)}`)).toEqual([]);
    expect(running).toHaveLength(3);
    for (const p of running) p.child.kill('SIGTERM');
    for (const p of running) expect(await p.exited, p.output().slice(-2000)).toBe(0);
  });
});
