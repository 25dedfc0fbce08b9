/**
 * `guardian demo`, the README's first command: starts the local stack,
 * migrates, generates a demo data set (a week of clicks and buys), replays it
 * into Kafka with injected anomalies — once: a second run finds the topics
 * filled and reuses them — waits until ClickHouse has ingested it, and
 * prints a summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createClickHouse } from '../lib/clients/clickhouse.ts';
import { createKafka } from '../lib/clients/kafka.ts';
import { createRegistry } from '../lib/clients/registry.ts';
import { loadConfig, PROJECT_ROOT, type Config } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { sleep } from '../lib/retry.ts';
import { TOPICS } from '../lib/topics.ts';
import { generateDataset } from '../ingest/generator/generate-dataset.ts';
import { RESERVED_SESSION_ID_BASE } from '../ingest/generator/session-ids.ts';
import { formatSummary } from '../ingest/producer/command.ts';
import { connectProducer, produceFile } from '../ingest/producer/produce-file.ts';
import { migrateAll } from '../migrations/migrate.ts';
import { stackUp } from '../stack/stack.ts';

const log = createLogger('demo');
const DEMO_DIR = path.join(PROJECT_ROOT, 'data/demo');
const DEMO_DATASET = { clicks: 300_000, from: '2014-04-01', to: '2014-04-07', seed: 2015 } as const;
const ANOMALY_INTERVAL_SECONDS = 1800;

async function topicMessageCount(config: Config, topic: string): Promise<number> {
  const admin = createKafka(config, 'guardian-demo').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

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
  fs.rmSync(path.join(DEMO_DIR, 'injections.jsonl'), { force: true });
  const producer = await connectProducer(createKafka(config, 'guardian-demo'), config.kafka.brokers);
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
          onInjection: (injection) => fs.appendFileSync(path.join(DEMO_DIR, 'injections.jsonl'), `${JSON.stringify(injection)}\n`),
        },
      );
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
    clicks: await topicMessageCount(config, TOPICS.clicks),
    purchases: await topicMessageCount(config, TOPICS.purchases),
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

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start the stack and run the demo pipeline on generated data')
    .action(async () => {
      const config = loadConfig();
      await stackUp(config);
      await migrateAll(config);
      await replayDemoData(config);
      const ingested = await waitForClickHouse(config);
      process.stdout.write(
        [
          '',
          'Clickstream Guardian demo',
          `  ClickHouse ingested ${ingested.clicks} clicks and ${ingested.purchases} purchases over ${ingested.days} days`,
          `  ad hoc SQL:  curl '${config.clickhouse.url}/?query=SELECT+toDate(timestamp)+d,count()+FROM+${config.clickhouse.database}.clicks_raw+GROUP+BY+d+ORDER+BY+d'`,
          '  stop:        npx guardian stack down',
          '',
        ].join('\n'),
      );
    });
}
