/**
 * Fault drill: PostgreSQL goes away under a running detector. The detector's
 * own connections go through a TCP proxy this test cuts (the real server,
 * and every other test using it, are untouched). While it is down the
 * detector commits nothing — no rows, no checkpoint, no Kafka offset — and
 * stops consuming; once it is back, it resumes by itself and the final table
 * holds every injected anomaly exactly once, and so does the anomaly topic
 * (the outbox lease's connection broke too: the publisher stops, takes the
 * lease again, and recovers before publishing).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { createValueDecoder } from '../../lib/avro-codec.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { loadConfig } from '../../lib/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { sleep } from '../../lib/retry.ts';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';
import { RESERVED_SESSION_ID_BASE } from '../../ingest/generator/session-ids.ts';
import type { Injection } from '../../ingest/producer/anomaly-injector.ts';
import { connectProducer, produceFile } from '../../ingest/producer/produce-file.ts';
import { anomalyEventSchema } from '../../schemas/index.ts';
import { connectDetectorDeps, detectorOptionsFrom } from '../../detector/command.ts';
import { startDetector } from '../../detector/detector.ts';
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
  startTcpProxy,
} from '../detector-helpers.ts';

const kafka = createKafka(config, 'detector-pg-down-test');
const registry = createRegistry(config);
const logger = createLogger('detector-pg-down-test');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detector-pg-down-'));
const clickFile = path.join(dir, 'yoochoose-clicks.dat');
const NOON = Date.parse('2014-04-01T12:00:00.000Z');
const DAY_END = Date.parse('2014-04-02T00:00:00.000Z');
let producer: Producer;
const topics = [uniqueName('test-detector-pgdown'), uniqueName('test-detector-pgdown-out')];

beforeAll(async () => {
  producer = await connectProducer(kafka, config.kafka.brokers);
  await generateDataset({ outDir: dir, sessions: 3000, from: '2014-04-01', to: '2014-04-01', seed: 5 });
  await createTopics(kafka, topics, 3);
});

afterAll(async () => {
  await producer?.disconnect();
  await deleteTopics(kafka, topics);
  fs.rmSync(dir, { recursive: true, force: true });
});

const produceRange = async (fromMs: number, toMs: number, injections: Injection[]) => {
  const summary = await produceFile(
    { producer, registry, logger },
    {
      kind: 'clicks',
      csvPath: clickFile,
      topic: topics[0],
      replaySpeed: Infinity,
      fromMs,
      toMs,
      anomalyIntervalSeconds: 900,
      injectedSessionIdBase: RESERVED_SESSION_ID_BASE,
      onInjection: (injection) => injections.push(injection),
    },
  );
  return summary.produced + summary.injected;
};

describe('PostgreSQL down under a running detector', () => {
  it('stops committing and consuming, retries with backoff, and resumes with nothing lost or doubled', async () => {
    const [input, output] = topics as [string, string];
    const db = await createDetectorSchema(config, uniqueName('det_pgdown'));
    const proxy = await startTcpProxy(new URL(config.postgres.url).port ? Number(new URL(config.postgres.url).port) : 5432);
    const viaProxy = new URL(config.postgres.url);
    viaProxy.port = String(proxy.port);
    const detectorConfig = loadConfig({ ...process.env, DATABASE_URL: viaProxy.toString() });
    const deps = await connectDetectorDeps(detectorConfig, createLogger('detector'), 'test-detector-pgdown');
    const groupId = uniqueName('detector-pgdown');
    const detector = await startDetector(
      deps,
      detectorOptionsFrom(detectorConfig, { inputTopic: input, outputTopic: output, groupId, pgSchema: db.schema, batchIntervalMs: 500, checkpointIntervalMs: 0 }),
    );
    const admin = kafka.admin();
    await admin.connect();
    const committed = async () =>
      (await admin.fetchOffsets({ groupId, topics: [input] }))[0]!.partitions.map((p) => `${p.partition}:${p.offset}`).sort().join(',');
    try {
      // the morning, with PostgreSQL up
      const injections: Injection[] = [];
      await produceRange(Date.parse('2014-04-01T00:00:00.000Z'), NOON, injections);
      expect(await waitFor(() => checkpointsAtEnd(kafka, db.pool, db.schema, groupId, input), Boolean, 60_000, 300)).toBe(true);
      const rowsBefore = await readAnomalyRows(db.pool, db.schema);
      expect(rowsBefore.length).toBeGreaterThan(0);
      const checkpointsBefore = (await readCheckpoints(db.pool, db.schema, groupId)).map((c) => c.nextOffset);
      const committedBefore = await waitFor(committed, (offsets) => offsets === checkpointsBefore.map((o, p) => `${p}:${o}`).join(','), 10_000, 200);
      const positionsBefore = detector.status().partitions.map((p) => p.nextOffset);

      // PostgreSQL goes away; the detector notices at its next micro-batch
      await proxy.cut();
      expect(await waitFor(async () => detector.status().postgresUp, (up) => !up, 10_000, 100)).toBe(false);
      // the afternoon arrives while it is down
      await produceRange(NOON, DAY_END, injections);
      await produceSentinels(producer, registry, input, 3, DAY_END + 3_600_000);
      await sleep(4000);
      expect(detector.status().postgresUp).toBe(false);
      expect(detector.status().partitions.map((p) => p.nextOffset)).toEqual(positionsBefore); // paused: nothing consumed
      expect(await committed()).toBe(committedBefore); // nothing committed to Kafka
      expect((await readAnomalyRows(db.pool, db.schema)).length).toBe(rowsBefore.length); // nor to PostgreSQL
      expect((await readCheckpoints(db.pool, db.schema, groupId)).map((c) => c.nextOffset)).toEqual(checkpointsBefore);

      // back: it resumes by itself and catches up
      await proxy.restore();
      expect(await waitFor(() => checkpointsAtEnd(kafka, db.pool, db.schema, groupId, input), Boolean, 60_000, 300)).toBe(true);
      expect(detector.status().postgresUp).toBe(true);
      const rows = await readAnomalyRows(db.pool, db.schema);
      const expected = injections.map((i) => `${i.session_id}|${i.anomaly_type}|${i.window_start}|${i.window_end}|${i.click_count}|${i.unique_items}`);
      expect(rows.map(rowKey).sort()).toEqual(expected.sort());
      expect(rows.length).toBeGreaterThan(rowsBefore.length);
      // the morning's rows kept their first detected_at
      const before = new Map(rowsBefore.map((r) => [rowKey(r), r.detected_at]));
      for (const r of rows) if (before.has(rowKey(r))) expect(r.detected_at).toBe(before.get(rowKey(r)));
      expect(detector.metrics.totals.lateEvents).toBe(0);

      // the topic: every row exactly once
      const outboxEmpty = async () => Number((await db.pool.query(`SELECT count(*) AS n FROM "${db.schema}".anomaly_outbox`)).rows[0].n) === 0;
      expect(await waitFor(outboxEmpty, Boolean, 30_000, 200)).toBe(true);
      const decode = createValueDecoder(registry, anomalyEventSchema);
      const readTopic = async () => Promise.all((await readWholeTopic(kafka, output)).map(async ({ message }) => decode(message.value!)));
      const events = await waitFor(readTopic, (e) => e.length >= rows.length, 10_000, 200);
      expect(events).toHaveLength(rows.length);
      expect(events.map((e) => rowKey({ ...e, anomaly_type: e.anomaly_type as string })).sort()).toEqual(rows.map(rowKey).sort());
    } finally {
      await admin.disconnect();
      await detector.stop();
      await deps.close();
      await proxy.cut();
      await db.drop();
    }
  });
});
