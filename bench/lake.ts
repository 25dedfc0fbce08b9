/**
 * Throughput of the lake sink, Kafka → S3: ~1M generated clicks are produced
 * into a fresh 3-partition topic, then the sink (default settings, its own
 * consumer group and lake prefix) consumes, writes Parquet + SNAPPY and
 * uploads everything; the clock stops when the sink has stopped with every
 * row uploaded and every offset committed. Prints rows/s, bytes per row
 * (from the objects' sizes as S3 lists them), the Parquet encoder alone,
 * and cleans up the topic and the objects.
 *
 *   node --import tsx bench/lake.ts [--clicks 1000000] [--days 7] [--keep]
 *
 * Needs the local stack (`npx guardian stack up`). Target: ≥ 50k rows/s.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { createKafka } from '../lib/clients/kafka.ts';
import { createRegistry } from '../lib/clients/registry.ts';
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { sleep } from '../lib/retry.ts';
import { generateDataset } from '../ingest/generator/generate-dataset.ts';
import { RESERVED_SESSION_ID_BASE } from '../ingest/generator/session-ids.ts';
import { connectProducer, produceFile } from '../ingest/producer/produce-file.ts';
import { DEFAULT_SINK_SETTINGS, listLakeFiles, startSink } from '../ingest/lake/index.ts';
import { createS3 } from '../lib/clients/s3.ts';
import { lakeSchemaOf, toColumns, type LakeRow } from '../ingest/lake/lake-schema.ts';
import { encodeParquet } from '../ingest/lake/parquet-encode.ts';
import { clickEventSchema } from '../schemas/index.ts';

const { values } = parseArgs({
  options: {
    clicks: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '7' },
    keep: { type: 'boolean', default: false },
  },
});
const CLICKS = Number(values.clicks);
const DAYS = Number(values.days);
const config = loadConfig();
const logger = createLogger('bench-lake');
const say = (line: string) => process.stdout.write(`${line}\n`);
const run = `${Date.now().toString(36)}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-lake-'));
const to = new Date(Date.UTC(2014, 3, DAYS)).toISOString().slice(0, 10);
const data = await generateDataset({ outDir: dir, clicks: CLICKS, from: '2014-04-01', to, seed: 42 });
say(`generated ${data.clicks} clicks over ${DAYS} days`);

const kafka = createKafka(config, 'bench-lake');
const topic = `bench-lake-${run}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
const producer = await connectProducer(kafka, config.kafka.brokers);
const produced = await produceFile(
  { producer, registry: createRegistry(config), logger },
  { kind: 'clicks', csvPath: path.join(dir, 'yoochoose-clicks.dat'), topic, replaySpeed: Infinity, injectedSessionIdBase: RESERVED_SESSION_ID_BASE, batchSize: 10_000 },
);
await producer.disconnect();
say(`produced ${produced.produced} clicks into ${topic} at ${produced.eventsPerSecond} events/s`);

const prefix = `bench/lake-${run}`;
const started = performance.now();
const sink = await startSink(config, [topic], { ...DEFAULT_SINK_SETTINGS, prefix, groupPrefix: `bench-lake-${run}-` }, logger);
const topicSink = sink.sinks[0]!;
while (topicSink.stats.consumed < produced.produced) await sleep(100);
const consumedAt = performance.now();
await sink.stop();
const seconds = (performance.now() - started) / 1000;

const ends = await admin.fetchTopicOffsets(topic);
const committedAll = ends.every((p) => topicSink.committed.get(p.partition) === Number(p.high));
const s3 = createS3(config);
const objects = await listLakeFiles(s3, config.s3.bucket, prefix, topic);
const bytes = objects.reduce((n, o) => n + o.size, 0);
const stats = topicSink.stats;

// The encoder alone, on one 100k-row file of the same shape.
const schema = lakeSchemaOf(clickEventSchema.schema);
const rows: LakeRow[] = Array.from({ length: 100_000 }, (_, i) => ({
  value: { session_id: 1000 + (i >> 2), timestamp: 1396310400000 + i * 50, item_id: 214536502 + ((i * 7919) % 20000), category: i % 3 ? '0' : String(1 + (i % 12)) },
  offset: i,
  timestamp: 1396310400000 + i * 50,
  key: Buffer.from(String(1000 + (i >> 2))),
}));
const encodeStart = performance.now();
const encoded = await encodeParquet(schema.columns, toColumns(schema, rows, topic, 0), rows.length);
const encodeSeconds = (performance.now() - encodeStart) / 1000;

say('');
say(`lake sink, Kafka → S3 (${os.cpus().length} cores, default settings: ${DEFAULT_SINK_SETTINGS.maxRows} rows / ${DEFAULT_SINK_SETTINGS.maxAgeMs / 1000} s per file)`);
say(`  rows             ${stats.rowsUploaded} uploaded of ${produced.produced} produced; every offset committed: ${committedAll}`);
say(`  wall time        ${seconds.toFixed(1)} s (all consumed after ${((consumedAt - started) / 1000).toFixed(1)} s; the rest is closing, uploading and committing the last files)`);
say(`  throughput       ${Math.round(stats.rowsUploaded / seconds)} rows/s end to end (target ≥ 50000)`);
say(`  files            ${objects.length} objects, ${(bytes / 1e6).toFixed(1)} MB, ${Math.round(stats.rowsUploaded / Math.max(objects.length, 1))} rows per file on average (${DAYS} days × 24 hours × 3 partitions)`);
say(`  bytes per row    ${(bytes / Math.max(stats.rowsUploaded, 1)).toFixed(2)} (Parquet + SNAPPY, 4 value columns + _topic/_partition/_offset/_timestamp/_key)`);
say(`  encoder alone    ${Math.round(rows.length / encodeSeconds)} rows/s, ${(encoded.length / rows.length).toFixed(2)} bytes/row on one 100k-row file`);

if (!values.keep) {
  // One DeleteObject each: S3Proxy refuses DeleteObjects' CRC32 checksum header.
  for (let i = 0; i < objects.length; i += 16) {
    await Promise.all(objects.slice(i, i + 16).map((o) => s3.send(new DeleteObjectCommand({ Bucket: config.s3.bucket, Key: o.key }))));
  }
  await admin.deleteTopics({ topics: [topic] });
  await admin.deleteGroups([topicSink.groupId]).catch(() => undefined);
}
await admin.disconnect();
s3.destroy();
fs.rmSync(dir, { recursive: true, force: true });
