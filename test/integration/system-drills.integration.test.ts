/**
 * Whole-system fault drills (issue 9): the real pipeline — producers, Kafka,
 * the registry, ClickHouse's own Kafka ingestion, the detector, the lake sink,
 * PostgreSQL and S3 — runs on a stack of its own (test/drill-stack.ts); each
 * drill replays two hours of event time while one part fails, and ends with
 * `reconcile` agreeing on every check: nothing lost, nothing doubled.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse } from '../../lib/clients/clickhouse.ts';
import { sleep } from '../../lib/retry.ts';
import { countTopicRecords } from '../../lib/topic-size.ts';
import { TOPICS } from '../../lib/topics.ts';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';
import type { Injection } from '../../ingest/producer/anomaly-injector.ts';
import { agrees, formatChecks, readInjections, reconcile, type Check } from '../../reconcile/index.ts';
import { clickhouseService } from '../../stack/services/clickhouse.ts';
import { kafkaService } from '../../stack/services/kafka.ts';
import { s3Service } from '../../stack/services/s3.ts';
import { runningPid, stopDaemon } from '../../stack/processes.ts';
import { DrillStack } from '../drill-stack.ts';
import { waitFor } from '../helpers.ts';

const DAY = '2014-04-01';
const REPLAY_SPEED = 600; // two hours of event time in 12 s
const ANOMALY_INTERVAL_SECONDS = 900;
// Windows end this long before a slice's end are final by then in every partition (watermark 10 s behind the partition's latest click).
const FINAL_MARGIN_MS = 5 * 60_000;
const BAD_LINES = ['not,a,click', '12,2014-04-01T25:00:00.000Z,214536502,0', ''];

const stack = new DrillStack();
const dataDir = path.join(stack.config.stackDir, 'data');
const files = {
  clicks: path.join(dataDir, 'yoochoose-clicks.dat'),
  purchases: path.join(dataDir, 'yoochoose-buys.dat'),
  produceLog: path.join(dataDir, 'produce-runs.jsonl'),
  injectionsLog: path.join(dataDir, 'injections.jsonl'),
  finalInjections: path.join(dataDir, 'final-injections.jsonl'),
};
const CONSUMER_GROUPS = ['detector', `guardian-lake-${TOPICS.clicks}`, `guardian-lake-${TOPICS.purchases}`];
const startPipeline = () => {
  stack.startApp('detector');
  stack.startApp('lake-sink', ['--max-age', '5', '--session-timeout', '6']);
};
const at = (hour: number) => `${DAY}T${String(hour).padStart(2, '0')}:00:00.000Z`;

beforeAll(async () => {
  await stack.up();
  fs.mkdirSync(dataDir, { recursive: true });
  await generateDataset({ outDir: dataDir, sessions: 20_000, from: DAY, to: DAY, seed: 99 });
  // Rows no parser accepts: every run dead-letters them (they are read before the time range applies).
  fs.appendFileSync(files.clicks, `${BAD_LINES.join('\n')}\n`);
  startPipeline();
  await stack.waitForConsumers(CONSUMER_GROUPS);
}, 240_000);

afterAll(async () => {
  await stack.down();
}, 120_000);

/** Replays [fromHour, toHour) of both files at REPLAY_SPEED; `fault` runs once the replay is under way. */
async function replayWhile(fromHour: number, toHour: number, fault: () => Promise<void>): Promise<void> {
  const produce = (kind: 'clicks' | 'purchases') =>
    stack.mustSucceed([
      'produce', kind,
      '--csv-path', files[kind],
      '--from', at(fromHour), '--to', at(toHour),
      '--replay-speed', String(REPLAY_SPEED),
      '--run-log', files.produceLog,
      ...(kind === 'clicks' ? ['--anomaly-interval', String(ANOMALY_INTERVAL_SECONDS), '--injections-log', files.injectionsLog] : []),
    ]);
  const before = await countTopicRecords(stack.config, TOPICS.clicks, 'drill-progress');
  const replays = Promise.all([produce('clicks'), produce('purchases')]);
  // The fault hits once the replay is under way (the producers have connected and sent a first share).
  await Promise.race([stack.waitForRecords(TOPICS.clicks, before, 1500), replays]);
  await fault();
  await replays;
}

/** The injected anomalies whose windows are final once event time reached `untilHour`. */
function finalInjections(untilHour: number): Injection[] {
  return readInjections(files.injectionsLog).filter((i) => i.window_end <= Date.parse(at(untilHour)) - FINAL_MARGIN_MS);
}

/** Polls reconcile until every check agrees (the pipeline catching up), then returns the last table. */
async function reconcileAfter(untilHour: number): Promise<Check[]> {
  const injections = finalInjections(untilHour);
  expect(injections.length).toBeGreaterThan(0);
  fs.writeFileSync(files.finalInjections, injections.map((i) => JSON.stringify(i)).join('\n'));
  const checks = await waitFor(
    () => reconcile(stack.config, { produceLog: files.produceLog, injectionsLog: files.finalInjections }),
    (table) => table.every(agrees),
    150_000,
    3000,
  );
  process.stdout.write(formatChecks(checks));
  return checks;
}

const disagreements = (checks: Check[]) => checks.filter((c) => !agrees(c));

/** Each drill replays two hours of event time from `fromHour` while its fault happens. */
const DRILLS: { fault: string; fromHour: number; inject: () => Promise<void> }[] = [
  {
    fault: 'Kafka broker killed and restarted',
    fromHour: 8,
    inject: async () => {
      await stack.kill(kafkaService.process!(stack.config));
      await sleep(3000);
      await stack.mustSucceed(['stack', 'up']);
    },
  },
  {
    fault: 'detector and lake sink SIGKILLed and restarted',
    fromHour: 10,
    inject: async () => {
      await stack.kill(stack.app('detector'));
      await stack.kill(stack.app('lake-sink'));
      await sleep(2000);
      startPipeline();
    },
  },
  { fault: 'PostgreSQL restarted', fromHour: 12, inject: () => stack.postgres.restart() },
  {
    fault: 'S3 server down for 30 s',
    fromHour: 14,
    inject: async () => {
      await stopDaemon(s3Service.process!(stack.config));
      await sleep(30_000);
      await stack.mustSucceed(['stack', 'up']);
    },
  },
  {
    fault: 'ClickHouse endpoint restarted',
    fromHour: 16,
    inject: async () => {
      await stopDaemon(clickhouseService.process!(stack.config));
      await stack.mustSucceed(['stack', 'up']);
    },
  },
];

describe('whole-system fault drills', () => {
  for (const drill of DRILLS) {
    it(`${drill.fault} mid-replay: nothing lost or doubled`, async () => {
      await replayWhile(drill.fromHour, drill.fromHour + 2, drill.inject);
      expect(disagreements(await reconcileAfter(drill.fromHour + 2))).toEqual([]);
    }, 300_000);
  }

  it('after the rest of the day and the nightly rollup, `guardian reconcile` agrees on every store', async () => {
    await replayWhile(18, 24, async () => undefined);
    // The nightly rollup runs once ClickHouse has ingested the day (as it would at 03:00 the next night).
    expect(disagreements(await reconcileAfter(24))).toEqual([]);
    await stack.mustSucceed(['rollup', '--day', DAY]);
    const checks = await reconcileAfter(24);
    expect(checks.some((c) => c.check.startsWith(`daily_metrics ${DAY}`))).toBe(true);
    const runs = fs.readFileSync(files.produceLog, 'utf8').trim().split('\n');
    expect(runs).toHaveLength(12);
    const cli = await stack.guardian(['reconcile', '--produce-log', files.produceLog, '--injections-log', files.finalInjections]);
    expect(cli.stdout).toContain(`all ${checks.length} checks agree`);
    expect(cli.code).toBe(0);
    const status = await stack.mustSucceed(['stack', 'status']);
    for (const app of ['detector', 'lake-sink'] as const) expect(status).toMatch(new RegExp(`^${app}\\s+running\\s+${runningPid(stack.app(app))}\\s`, 'm'));
    expect(status).toMatch(/^gateway\s+stopped\b/m);
  }, 300_000);

  it('`guardian reconcile` names the stores that disagree and exits 1', async () => {
    const [victim] = finalInjections(24);
    const postgres = new pg.Client({ connectionString: stack.config.postgres.url });
    await postgres.connect();
    await postgres.query('DELETE FROM anomaly_sessions WHERE session_id = $1 AND anomaly_type = $2', [victim!.session_id, victim!.anomaly_type]).finally(() => postgres.end());
    const clickhouse = createClickHouse(stack.config);
    await clickhouse.command({ query: 'INSERT INTO clicks_raw SELECT * FROM clicks_raw LIMIT 1' }).finally(() => clickhouse.close());

    const cli = await stack.guardian(['reconcile', '--produce-log', files.produceLog, '--injections-log', files.finalInjections]);
    expect(cli.code).toBe(1);
    const mismatched = cli.stdout
      .split('\n')
      .filter((line) => line.startsWith('MISMATCH'))
      .map((line) => line.replace(/^MISMATCH\s+/, '').replace(/\s+expected.*$/, ''));
    expect(mismatched.sort()).toEqual(
      [
        'km.clicks.raw.v1: ClickHouse raw duplicates',
        'km.anomalies.v1: anomalies not in PostgreSQL',
        'injected anomalies in PostgreSQL with their window',
        'PostgreSQL rows of injected sessions',
      ].sort(),
    );
    expect(cli.stdout).toContain(`4 of `);
  }, 120_000);
});
