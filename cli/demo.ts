/**
 * `guardian demo`, the README's first command: starts the local stack,
 * migrates, starts the detector, the lake sink and the gateway, generates a
 * demo data set (a week of clicks and buys), replays it into Kafka with
 * injected anomalies — once: a second run reuses the data already in Kafka —,
 * waits until ClickHouse has ingested it, runs the nightly rollup for the
 * replayed days, and prints a summary with the dashboard's address. Ctrl-C
 * stops what it started.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { createClickHouse } from '../lib/clients/clickhouse.ts';
import { assertKafkaReachable, createKafka, OUTLAST_BROKER_RESTART } from '../lib/clients/kafka.ts';
import { createPostgresPool } from '../lib/clients/postgres.ts';
import { createRegistry } from '../lib/clients/registry.ts';
import { createS3 } from '../lib/clients/s3.ts';
import { stopSignal } from '../lib/cli-args.ts';
import { GuardianError } from '../lib/errors.ts';
import { detectorTables } from '../detector/tables.ts';
import { loadConfig, PROJECT_ROOT, type Config } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { appendJsonLine, readJsonLines } from '../lib/json-lines.ts';
import { sleep } from '../lib/retry.ts';
import { countTopicRecords } from '../lib/topic-size.ts';
import { TOPICS } from '../lib/topics.ts';
import { generateDataset } from '../ingest/generator/generate-dataset.ts';
import { RESERVED_SESSION_ID_BASE } from '../ingest/generator/session-ids.ts';
import { formatSummary } from '../ingest/producer/command.ts';
import { connectProducer, produceFile } from '../ingest/producer/produce-file.ts';
import { appendProduceRun } from '../ingest/producer/run-log.ts';
import { migrateAll } from '../migrations/migrate.ts';
import { appProcess, startApp } from '../stack/app-processes.ts';
import { stopDaemon } from '../stack/processes.ts';
import { stackDown, stackStatus, stackUp } from '../stack/stack.ts';

const log = createLogger('demo');
const DEMO_DIR = path.join(PROJECT_ROOT, 'data/demo');
const DEMO_DATASET = { clicks: 300_000, from: '2014-04-01', to: '2014-04-07', seed: 2015 } as const;
const ANOMALY_INTERVAL_SECONDS = 1800;
/** What `guardian reconcile` checks the demo's stores against. */
export const DEMO_FILES = {
  injections: path.join(DEMO_DIR, 'injections.jsonl'),
  produceRuns: path.join(DEMO_DIR, 'produce-runs.jsonl'),
};

async function replayDemoData(config: Config): Promise<void> {
  const clicksFile = path.join(DEMO_DIR, 'yoochoose-clicks.dat');
  if (!fs.existsSync(clicksFile)) {
    log.info(DEMO_DATASET, 'generating the demo data set');
    await generateDataset({ outDir: DEMO_DIR, ...DEMO_DATASET });
  }
  // Kept with Kafka's data, so `stack reset` (which deletes the topics) also forgets the replay.
  const marker = path.join(config.stackDir, 'kafka', 'demo-replayed.json');
  if (fs.existsSync(marker)) {
    log.info({ marker }, 'the demo data set is already in Kafka: not replaying it again');
    return;
  }
  fs.rmSync(DEMO_FILES.injections, { force: true });
  fs.rmSync(DEMO_FILES.produceRuns, { force: true });
  await assertKafkaReachable(config);
  const producer = await connectProducer(createKafka(config, 'guardian-demo', OUTLAST_BROKER_RESTART), config.kafka.brokers);
  try {
    for (const kind of ['clicks', 'purchases'] as const) {
      const summary = await produceFile(
        { producer, registry: createRegistry(config), logger: log },
        {
          kind,
          csvPath: path.join(DEMO_DIR, kind === 'clicks' ? 'yoochoose-clicks.dat' : 'yoochoose-buys.dat'),
          replaySpeed: Infinity,
          anomalyIntervalSeconds: kind === 'clicks' ? ANOMALY_INTERVAL_SECONDS : undefined,
          injectedSessionIdBase: RESERVED_SESSION_ID_BASE,
          onInjection: (injection) => appendJsonLine(DEMO_FILES.injections, injection),
        },
      );
      appendProduceRun(DEMO_FILES.produceRuns, summary);
      process.stdout.write(`${formatSummary(summary)}\n`);
    }
    fs.writeFileSync(marker, JSON.stringify({ ...DEMO_DATASET, at: new Date().toISOString() }));
  } finally {
    await producer.disconnect();
  }
}

async function waitForClickHouse(config: Config): Promise<{ clicks: number; purchases: number; days: number }> {
  const clickhouse = createClickHouse(config);
  const expected = {
    clicks: await countTopicRecords(config, TOPICS.clicks, 'guardian-demo'),
    purchases: await countTopicRecords(config, TOPICS.purchases, 'guardian-demo'),
  };
  try {
    for (let attempt = 0; ; attempt++) {
      const result = await clickhouse.query({
        query: `SELECT
                  (SELECT count() FROM clicks_raw) AS clicks,
                  (SELECT count() FROM purchases_raw) AS purchases,
                  (SELECT uniqExact(toDate(timestamp)) FROM clicks_raw) AS days`,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      });
      const [row] = await result.json<{ clicks: number; purchases: number; days: number }>();
      if ((row!.clicks >= expected.clicks && row!.purchases >= expected.purchases) || attempt >= 120) return row!;
      if (attempt % 10 === 0) log.info({ ...row, expected }, 'waiting for ClickHouse to ingest the topics');
      await sleep(1000);
    }
  } finally {
    await clickhouse.close();
  }
}

async function runRollup(config: Config): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/guardian.mjs'), 'rollup', '--from', DEMO_DATASET.from, '--to', DEMO_DATASET.to], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, CLICKHOUSE_DATABASE: config.clickhouse.database },
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new GuardianError(`rollup exited with code ${code}`))));
  });
}

/** Anomaly rows of injected sessions, polled until the detector has found every injection (or 2 minutes pass). */
async function waitForAnomalies(config: Config): Promise<{ found: number; injected: number }> {
  const injectionsFile = DEMO_FILES.injections;
  const injected = fs.existsSync(injectionsFile) ? readJsonLines(injectionsFile).length : 0;
  const pool = createPostgresPool(config, { max: 1 });
  const table = detectorTables(config.detector.pgSchema).anomalies;
  try {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE session_id >= $1`, [RESERVED_SESSION_ID_BASE]);
      const found = Number(rows[0]?.n ?? 0);
      if (found >= injected || attempt >= 120) return { found, injected };
      if (attempt % 10 === 0) log.info({ found, injected }, 'waiting for the detector');
      await sleep(1000);
    }
  } finally {
    await pool.end();
  }
}

/** Parquet files in the lake, polled until both raw topics have files (the sink closes a file within a minute). */
async function waitForLake(config: Config): Promise<number> {
  const s3 = createS3(config);
  try {
    for (let attempt = 0; ; attempt++) {
      const perTopic = await Promise.all(
        [TOPICS.clicks, TOPICS.purchases].map(async (topic) => {
          let count = 0;
          let token: string | undefined;
          do {
            const page = await s3.send(new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: `topics/${topic}/`, ContinuationToken: token }));
            count += (page.Contents ?? []).filter((o) => o.Key?.endsWith('.parquet')).length;
            token = page.NextContinuationToken;
          } while (token);
          return count;
        }),
      );
      if (perTopic.every((n) => n > 0) || attempt >= 90) return perTopic.reduce((a, b) => a + b, 0);
      if (attempt % 15 === 0) log.info('waiting for the lake sink to upload its first files');
      await sleep(1000);
    }
  } finally {
    s3.destroy();
  }
}

async function waitForGateway(config: Config, url: string): Promise<void> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status < 500, () => false);
    if (ok) return;
    await sleep(1000);
  }
  throw new GuardianError(`the gateway did not answer at ${url}/health; see ${path.join(config.stackDir, 'logs/gateway.log')}`);
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start the stack and the pipeline, replay a generated week with anomalies, roll it up, and serve the dashboard')
    .option('--no-wait', 'exit after the summary and leave everything running')
    .action(async (options: { wait: boolean }) => {
      const config = loadConfig();
      const stackWasUp = (await stackStatus(config)).every((s) => s.up);
      await stackUp(config);
      await migrateAll(config);
      const started = (['detector', 'lake-sink', 'gateway'] as const).filter((app) => startApp(config, app));
      if (started.length > 0) log.info({ started }, 'started the pipeline services');
      await replayDemoData(config);
      const ingested = await waitForClickHouse(config);
      log.info({ from: DEMO_DATASET.from, to: DEMO_DATASET.to }, 'running the nightly rollup for the demo days');
      await runRollup(config);
      const anomalies = await waitForAnomalies(config);
      const lakeFiles = await waitForLake(config);
      const gateway = `http://${config.gateway.host}:${config.gateway.port}`;
      await waitForGateway(config, gateway);
      process.stdout.write(
        [
          '',
          'Clickstream Guardian demo',
          `  events in:     ${ingested.clicks} clicks and ${ingested.purchases} purchases in ClickHouse, over ${ingested.days} days`,
          `  anomalies:     ${anomalies.found} injected sessions found by the detector (of ${anomalies.injected} injected)`,
          `  lake:          ${lakeFiles} Parquet files in s3://${config.s3.bucket}/topics/`,
          `  rollup:        ${DEMO_DATASET.from} .. ${DEMO_DATASET.to}`,
          '',
          `  dashboard:     ${gateway}/`,
          `  playground:    ${gateway}/graphql`,
          `  ad hoc SQL:    npx guardian sql "SELECT toDate(timestamp) AS day, count() FROM clicks_raw GROUP BY day ORDER BY day"`,
          `  reconcile:     npx guardian reconcile --produce-log data/demo/produce-runs.jsonl --injections-log data/demo/injections.jsonl`,
          `                 (a minute from now: the lake sink closes its last open files 60 s after their first row)`,
          '',
          options.wait ? 'Press Ctrl-C to stop everything the demo started.' : 'Left running; stop with: npx guardian stack down',
          '',
        ].join('\n'),
      );
      if (!options.wait) return;
      await new Promise<void>((resolve) => stopSignal(() => resolve()).addEventListener('abort', () => resolve()));
      for (const app of started) await stopDaemon(appProcess(config, app));
      if (!stackWasUp) await stackDown(config);
      process.stdout.write('stopped\n');
    });
}
