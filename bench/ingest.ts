/**
 * bench/ingest: generated clicks into Kafka as Avro through the registry,
 * next to kcat producing the same rows as raw lines (keyed by session_id)
 * in the same run; then peak RSS on a 5M-row file.
 *
 *   npx tsx bench/ingest.ts [--rows 1000000] [--rss-rows 5000000]
 * Needs the stack (`npx guardian stack up`) and kcat (`apt-get install kcat`).
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify, parseArgs } from 'node:util';
import { createKafka } from '../lib/clients/kafka.ts';
import { loadConfig } from '../lib/config.ts';
import { generateDataset } from '../ingest/generator/generate-dataset.ts';

const run = promisify(execFile);
const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, 'rss-rows': { type: 'string', default: '5000000' } } });
const config = loadConfig();
const kafka = createKafka(config, 'bench-ingest');

async function dataset(clicks: number): Promise<string> {
  const dir = path.join(config.cacheDir, 'bench', `clicks-${clicks}`);
  const file = path.join(dir, 'yoochoose-clicks.dat');
  if (!fs.existsSync(file)) await generateDataset({ outDir: dir, clicks, from: '2014-04-01', to: '2014-04-07', seed: 1 });
  return file;
}

async function topic(name: string): Promise<string> {
  const unique = `${name}-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: unique, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  return unique;
}

async function ours(file: string) {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/ingest-worker.ts', file, await topic('bench-ingest-avro')], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { produced: number; seconds: number; eventsPerSecond: number; maxRssMb: number };
}

async function kcat(file: string, rows: number) {
  if (spawnSync('kcat', ['-V']).status !== 0) return undefined;
  const target = await topic('bench-ingest-kcat');
  const t0 = performance.now();
  await run('kcat', ['-P', '-b', config.kafka.brokers.join(','), '-t', target, '-K', ',', '-X', 'acks=all', '-X', 'enable.idempotence=true', '-l', file]);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, eventsPerSecond: Math.round(rows / seconds) };
}

const rows = Number(values.rows);
const file = await dataset(rows);
const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
const avro = await ours(file);
const raw = await kcat(file, lines);
console.log(`rows: ${lines}`);
console.log(`guardian produce (Avro + registry): ${avro.eventsPerSecond} events/s, ${avro.seconds.toFixed(2)} s, peak RSS ${avro.maxRssMb} MB`);
if (raw) {
  console.log(`kcat (raw lines):                  ${raw.eventsPerSecond} events/s, ${raw.seconds.toFixed(2)} s`);
  console.log(`ratio guardian / kcat:             ${(avro.eventsPerSecond / raw.eventsPerSecond).toFixed(2)}×`);
} else {
  console.log('kcat not installed (apt-get install kcat): no baseline this run');
}
const rssRows = Number(values['rss-rows']);
if (rssRows > 0) {
  const big = await ours(await dataset(rssRows));
  console.log(`peak RSS on ${big.produced} rows: ${big.maxRssMb} MB (${big.eventsPerSecond} events/s)`);
}
