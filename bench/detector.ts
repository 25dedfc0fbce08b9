/**
 * bench/detector: the anomaly detector end to end against the local stack.
 *
 * 1. throughput — a generated data set (YOOCHOOSE shape, injected anomalies
 *    every 10 min of event time) is produced first; then a detector (in this
 *    process, nothing else running in it) consumes it: events/s fed (Kafka
 *    fetch + Avro decode + windows) and events/s durable (until the last
 *    checkpoint is committed in PostgreSQL).
 * 2. latency — a detector process with the production defaults (5 s
 *    micro-batches, 10 s watermark delay) while this process replays a steady
 *    real-time stream (event time = wall clock): background clicks plus 50
 *    HIGH_FREQUENCY bots per 10 s window. Latency of a row = when it is first
 *    visible in PostgreSQL (polled every 100 ms) − the end of its window (the
 *    last moment a click of it can be produced); also from its last click.
 *    Bound from the issue: p99 ≤ watermark + micro-batch + 1 s = 16 s.
 * 3. memory — 1M sessions × 3 clicks inside 30 s of event time (so every
 *    session has open windows at once) into a detector process: its peak RSS
 *    (VmHWM), the open windows, and the checkpoint of that state.
 *
 *   node --import tsx bench/detector.ts [--only throughput,latency,memory]
 *     [--clicks 2000000] [--rate 2000] [--seconds 90] [--sessions 1000000]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Producer } from 'kafkajs';
import { registerValueEncoder } from '../lib/avro-codec.ts';
import { createKafka } from '../lib/clients/kafka.ts';
import { createRegistry } from '../lib/clients/registry.ts';
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { sleep } from '../lib/retry.ts';
import { generateDataset } from '../ingest/generator/generate-dataset.ts';
import { RESERVED_SESSION_ID_BASE } from '../ingest/generator/session-ids.ts';
import { connectProducer, produceFile } from '../ingest/producer/produce-file.ts';
import { clickEventSchema, type ClickEvent } from '../schemas/index.ts';
import { connectDetectorDeps, detectorOptionsFrom } from '../detector/command.ts';
import { startDetector } from '../detector/detector.ts';
import { detectorTables } from '../detector/tables.ts';
import { checkpointsAtEnd, createDetectorSchema, createTopics, deleteTopics, produceSentinels, spawnDetector } from '../test/detector-helpers.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'throughput,latency,memory' },
    clicks: { type: 'string', default: '2000000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '90' },
    sessions: { type: 'string', default: '1000000' },
  },
});
const only = new Set(values.only.split(','));
const config = loadConfig();
const kafka = createKafka(config, 'bench-detector');
const registry = createRegistry(config);
const logger = createLogger('bench-detector');
const PARTITIONS = 3;
const stamp = () => Date.now().toString(36);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function peakRss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function sendAll(producer: Producer, topic: string, clicks: Iterable<ClickEvent>, batch = 10_000): Promise<number> {
  const encoder = await registerValueEncoder(registry, topic, clickEventSchema);
  let messages: { key: string; value: Buffer }[] = [];
  let sent = 0;
  let inFlight: Promise<unknown> = Promise.resolve();
  for (const click of clicks) {
    messages.push({ key: String(click.session_id), value: encoder.encode(click) });
    if (messages.length === batch) {
      await inFlight;
      inFlight = producer.send({ topic, acks: -1, messages });
      sent += messages.length;
      messages = [];
    }
  }
  await inFlight;
  if (messages.length > 0) await producer.send({ topic, acks: -1, messages });
  return sent + messages.length;
}

async function throughput(): Promise<void> {
  const producer = await connectProducer(kafka, config.kafka.brokers);
  const clicks = Number(values.clicks);
  const dir = path.join(config.cacheDir, 'bench', `detector-clicks-${clicks}`);
  const file = path.join(dir, 'yoochoose-clicks.dat');
  if (!fs.existsSync(file)) await generateDataset({ outDir: dir, clicks, from: '2014-04-01', to: '2014-04-14', seed: 1 });
  const [input, output] = [`bench-detector-in-${stamp()}`, `bench-detector-out-${stamp()}`];
  await createTopics(kafka, [input, output], PARTITIONS);
  const summary = await produceFile(
    { producer, registry, logger },
    { kind: 'clicks', csvPath: file, topic: input, replaySpeed: Infinity, anomalyIntervalSeconds: 600, injectedSessionIdBase: RESERVED_SESSION_ID_BASE, batchSize: 5000 },
  );
  await produceSentinels(producer, registry, input, PARTITIONS, Date.parse('2014-04-16T00:00:00Z'));
  const total = summary.produced + summary.injected + PARTITIONS;
  console.log(`throughput: ${fmt(total)} clicks (${fmt(summary.injectedSessions)} injected sessions) in ${input}, ${PARTITIONS} partitions`);

  const db = await createDetectorSchema(config, `bench_detector_${stamp()}`);
  const deps = await connectDetectorDeps(config, createLogger('detector'), 'bench-detector');
  const groupId = `bench-detector-${stamp()}`;
  const detector = await startDetector(deps, detectorOptionsFrom(config, { inputTopic: input, outputTopic: output, groupId, pgSchema: db.schema, batchIntervalMs: 1000, checkpointIntervalMs: 1000, logIntervalMs: 5000 }));
  const cpu = process.cpuUsage();
  while (detector.metrics.totals.events === 0) await sleep(5);
  const first = performance.now();
  while (detector.metrics.totals.events < total) await sleep(20);
  const fed = performance.now();
  while (!(await checkpointsAtEnd(kafka, db.pool, db.schema, groupId, input))) await sleep(50);
  const durable = performance.now();
  const used = process.cpuUsage(cpu);
  const rows = Number((await db.pool.query(`SELECT count(*) AS n FROM ${detectorTables(db.schema).anomalies}`)).rows[0].n);
  console.log(
    `  fed:     ${fmt((total * 1000) / (fed - first))} events/s (${((fed - first) / 1000).toFixed(2)} s: fetch, Avro decode, windows)\n` +
      `  durable: ${fmt((total * 1000) / (durable - first))} events/s (${((durable - first) / 1000).toFixed(2)} s, until the last checkpoint is committed; 1 s micro-batches and checkpoints)\n` +
      `  rows ${rows} (injected ${summary.injectedSessions}); process CPU ${((used.user + used.system) / 1e6).toFixed(1)} s; late ${detector.metrics.totals.lateEvents}`,
  );
  await detector.stop();
  await deps.close();
  await db.drop();
  // a producer that knew a deleted topic keeps asking the broker for its metadata: one producer per phase
  await producer.disconnect();
  await deleteTopics(kafka, [input, output]);
}

async function latency(): Promise<void> {
  const producer = await connectProducer(kafka, config.kafka.brokers);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const [input, output] = [`bench-detector-lat-${stamp()}`, `bench-detector-lat-out-${stamp()}`];
  await createTopics(kafka, [input, output], PARTITIONS);
  const db = await createDetectorSchema(config, `bench_detector_lat_${stamp()}`);
  const groupId = `bench-detector-lat-${stamp()}`;
  const child = spawnDetector(['--input-topic', input, '--output-topic', output, '--group-id', groupId, '--pg-schema', db.schema], { LOG_LEVEL: 'warn' });
  const encoder = await registerValueEncoder(registry, input, clickEventSchema);
  await sleep(8000); // the process starts and joins its group

  const BOT_BASE = 800_000_000_000;
  const BOTS_PER_WINDOW = 50;
  const lastClickOf = new Map<number, number>();
  const started = Date.now();
  const endAt = started + seconds * 1000;
  let next = started;
  let produced = 0;
  let rand = 12345;
  const random = () => ((rand = (rand * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const producing = (async () => {
    while (Date.now() < endAt) {
      const now = Date.now();
      const clicks: ClickEvent[] = [];
      // background: `rate` clicks/s over 50k sessions (far below any threshold)
      for (; next <= now; next += 1000 / rate) clicks.push({ session_id: 1 + Math.floor(random() * 50_000), timestamp: Math.floor(next), item_id: 214_000_000 + Math.floor(random() * 50_000), category: '0' });
      // bots: 50 per 10 s window, 60 clicks 150 ms apart from the window start (+10 ms per bot)
      const window = Math.floor(now / 10_000) * 10_000;
      for (const w of [window - 10_000, window]) {
        for (let b = 0; b < BOTS_PER_WINDOW; b++) {
          const session = BOT_BASE + (w / 10_000) * 100 + b;
          for (let i = 0; i < 60; i++) {
            const ts = w + b * 10 + i * 150;
            if (ts > now || ts < started || ts <= (lastClickOf.get(session) ?? -1)) continue;
            clicks.push({ session_id: session, timestamp: ts, item_id: 990_000_000 + i, category: '0' });
            lastClickOf.set(session, ts);
          }
        }
      }
      clicks.sort((a, b) => a.timestamp - b.timestamp);
      if (clicks.length > 0) {
        await producer.send({ topic: input, acks: -1, messages: clicks.map((c) => ({ key: String(c.session_id), value: encoder.encode(c) })) });
        produced += clicks.length;
      }
      await sleep(Math.max(0, 20 - (Date.now() - now)));
    }
  })();

  const seenAt = new Map<string, { seen: number; windowEnd: number; windowStart: number; detectedAt: number; session: number }>();
  const poll = async () => {
    const { rows } = await db.pool.query<{ session_id: string; window_start: Date; window_end: Date; detected_at: Date }>(
      `SELECT session_id, window_start, window_end, detected_at FROM ${detectorTables(db.schema).anomalies} WHERE session_id >= $1`,
      [BOT_BASE],
    );
    const now = Date.now();
    for (const r of rows) {
      const key = `${r.session_id}|${r.window_start.getTime()}`;
      if (!seenAt.has(key)) seenAt.set(key, { seen: now, windowEnd: r.window_end.getTime(), windowStart: r.window_start.getTime(), detectedAt: r.detected_at.getTime(), session: Number(r.session_id) });
    }
  };
  while (Date.now() < endAt + 20_000) {
    await poll();
    await sleep(100);
  }
  await producing;
  // windows that ended ≥ 15 s before the stream stopped (later ones cannot close: the watermark stops with the stream), after a warm-up
  const measured = [...seenAt.values()].filter((r) => r.windowStart >= started + 10_000 && r.windowEnd <= endAt - 15_000);
  let expectedWindows = 0;
  for (let w = Math.ceil((started + 10_000) / 10_000) * 10_000; w + 10_000 <= endAt - 15_000; w += 10_000) expectedWindows += BOTS_PER_WINDOW;
  const fromEnd = measured.map((r) => r.seen - r.windowEnd).sort((a, b) => a - b);
  const fromLast = measured.map((r) => r.seen - (r.windowStart + (r.session % 100) * 10 + 59 * 150)).sort((a, b) => a - b);
  const detect = measured.map((r) => r.detectedAt - r.windowEnd).sort((a, b) => a - b);
  const s = (v: number[], p: number) => (percentile(v, p) / 1000).toFixed(2);
  console.log(
    `latency: ${fmt(produced)} clicks at ${fmt(produced / seconds)}/s for ${seconds} s, ${BOTS_PER_WINDOW} HIGH_FREQUENCY bots per 10 s; ${measured.length} rows measured (${expectedWindows} expected)\n` +
      `  window end → row visible in PostgreSQL: p50 ${s(fromEnd, 50)} s, p99 ${s(fromEnd, 99)} s, max ${s(fromEnd, 100)} s (bound 16 s)\n` +
      `  last click of the window → visible:      p50 ${s(fromLast, 50)} s, p99 ${s(fromLast, 99)} s\n` +
      `  of which window end → detected (watermark): p50 ${s(detect, 50)} s, p99 ${s(detect, 99)} s`,
  );
  child.child.kill('SIGTERM');
  await child.exited;
  await db.drop();
  await producer.disconnect();
  await deleteTopics(kafka, [input, output]);
}

async function memory(): Promise<void> {
  const producer = await connectProducer(kafka, config.kafka.brokers);
  const sessions = Number(values.sessions);
  const [input, output] = [`bench-detector-mem-${stamp()}`, `bench-detector-mem-out-${stamp()}`];
  await createTopics(kafka, [input, output], PARTITIONS);
  const T0 = Date.parse('2014-04-07T10:00:00.000Z');
  // click j of session s at T0 + (s / sessions)·10 s + j·10 s: event-time order, 30 s in all
  function* clicks(): Generator<ClickEvent> {
    for (let j = 0; j < 3; j++) {
      for (let s = 0; s < sessions; s++) {
        yield { session_id: 1 + s, timestamp: T0 + Math.floor((s * 10_000) / sessions) + j * 10_000, item_id: 214_000_000 + ((s * 7 + j) % 50_000), category: '0' };
      }
    }
  }
  const t = performance.now();
  const total = await sendAll(producer, input, clicks());
  console.log(`memory: ${fmt(total)} clicks of ${fmt(sessions)} sessions within 30 s of event time produced in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const db = await createDetectorSchema(config, `bench_detector_mem_${stamp()}`);
  const groupId = `bench-detector-mem-${stamp()}`;
  const child = spawnDetector(['--input-topic', input, '--output-topic', output, '--group-id', groupId, '--pg-schema', db.schema], { LOG_LEVEL: 'debug', DETECTOR_LOG_INTERVAL_MS: '1000' });
  const started = performance.now();
  while (!(await checkpointsAtEnd(kafka, db.pool, db.schema, groupId, input))) {
    if (child.child.exitCode !== null) throw new Error(`detector exited: ${child.output().slice(-2000)}`);
    await sleep(500);
  }
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await db.pool.query<{ open: number; bytes: number }>(
    `SELECT sum(open_windows)::int AS open, sum(octet_length(snapshot))::int AS bytes FROM ${detectorTables(db.schema).checkpoints} WHERE group_id = $1`,
    [groupId],
  );
  await sleep(2500);
  const progress = child
    .output()
    .split('\n')
    .filter((l) => l.includes('"detector progress"'))
    .map((l) => JSON.parse(l) as { openWindows: number; heapUsedMb: number });
  const peakOpen = Math.max(0, ...progress.map((p) => p.openWindows));
  const peakHeap = Math.max(0, ...progress.map((p) => p.heapUsedMb));
  const rss = peakRss(child.child.pid!);
  if (process.env.BENCH_VERBOSE) {
    for (const line of child.output().split('\n')) if (/"detector progress"|"micro-batch"/.test(line) && !line.includes('"rows":0,"checkpoints":[]')) console.log(line.slice(0, 400));
  }
  console.log(
    `  peak RSS ${mb(rss)} (VmHWM of the detector process), heap used up to ${fmt(peakHeap)} MB; ${fmt(peakOpen)} open windows at peak, all ${fmt(sessions)} sessions active;\n` +
      `  checkpoint of that state: ${fmt(rows[0]!.open)} open windows, ${mb(rows[0]!.bytes)} gzip in PostgreSQL; consumed and checkpointed in ${seconds.toFixed(1)} s`,
  );
  child.child.kill('SIGTERM');
  await child.exited;
  await db.drop();
  await producer.disconnect();
  await deleteTopics(kafka, [input, output]);
}

if (only.has('throughput')) await throughput();
if (only.has('latency')) await latency();
if (only.has('memory')) await memory();
