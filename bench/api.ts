/**
 * bench/api: requests/s and latency (p50, p99) of the GraphQL gateway for
 * the dashboard's two hottest queries — daily metrics for a date range and
 * a page of anomalies — with 50 concurrent clients (autocannon).
 *
 *   npx tsx bench/api.ts [--connections 50] [--duration 15] [--sessions 40000] [--days 14] [--anomalies 20000] [--cache-ttl 2000]
 *
 * Needs the local stack (`npx guardian stack up`). Builds its own data: a
 * generated data set loaded into a private ClickHouse database and rolled
 * up, and a private PostgreSQL schema with --anomalies rows; runs the
 * gateway as a child process (`guardian serve`, so the load generator does
 * not share its event loop) pointed at them; drops everything at the end.
 * --cache-ttl sets GATEWAY_CACHE_TTL_MS (0 = every request reaches the
 * database, identical concurrent reads still share one query).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { loadDatFile } from '../clickhouse/load-dat.ts';
import { addDays, dayRange } from '../clickhouse/rollup/days.ts';
import { rollupDays } from '../clickhouse/rollup/run-range.ts';
import { createSandboxDatabase, dropSandboxDatabase } from '../clickhouse/sandbox-database.ts';
import { generateDataset } from '../ingest/generator/generate-dataset.ts';
import { createClickHouse } from '../lib/clients/clickhouse.ts';
import { loadConfig, PROJECT_ROOT } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { sleep } from '../lib/retry.ts';
import { createDetectorSchema } from '../test/detector-helpers.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '15' },
    sessions: { type: 'string', default: '40000' },
    days: { type: 'string', default: '14' },
    anomalies: { type: 'string', default: '20000' },
    'cache-ttl': { type: 'string', default: '2000' },
    from: { type: 'string', default: '2014-04-01' },
  },
});
const connections = Number(values.connections);
const duration = Number(values.duration);
const days = dayRange(values.from!, addDays(values.from!, Number(values.days) - 1));
const config = loadConfig();
const logger = createLogger('bench-api');
const suffix = randomUUID().slice(0, 8);
const database = `bench_api_${suffix}`;
const out = (line: string) => process.stdout.write(`${line}\n`);

const SCENARIOS = [
  {
    name: 'dailyMetrics (14-day range)',
    query: `query($from: Date!, $to: Date!) { dailyMetrics(from: $from, to: $to) {
      date source totalClicks totalPurchases uniqueSessions conversionRate avgSessionDurationSec avgOrderValue totalRevenue } }`,
    variables: { from: days[0], to: days.at(-1) },
  },
  {
    name: 'anomalies (page of 20)',
    query: `query($first: Int) { anomalies(first: $first) {
      nodes { sessionId type windowStart windowEnd clickCount uniqueItems detectedAt } pageInfo { hasNextPage endCursor } } }`,
    variables: { first: 20 },
  },
  {
    name: 'anomalies (BOT_LIKE, page of 20, with sessions)',
    query: `query($first: Int) { anomalies(first: $first, type: BOT_LIKE) {
      nodes { sessionId windowStart clickCount session { clickCount purchaseCount } } } }`,
    variables: { first: 20 },
  },
];

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  const admin = createClickHouse(config, { database: 'default' });
  const client = createClickHouse(config, { database });
  let postgres: Awaited<ReturnType<typeof createDetectorSchema>> | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  try {
    out(`bench/api: ${os.cpus().length} CPUs, Node ${process.version}, ${connections} connections, ${duration} s per scenario, cache TTL ${values['cache-ttl']} ms`);
    let t0 = performance.now();
    const summary = await generateDataset({ outDir: dir, sessions: Number(values.sessions), from: days[0]!, to: days.at(-1)!, seed: 7 });
    await createSandboxDatabase(admin, config, database);
    const clicks = await loadDatFile(client, { kind: 'clicks', file: path.join(dir, 'yoochoose-clicks.dat') });
    const buys = await loadDatFile(client, { kind: 'purchases', file: path.join(dir, 'yoochoose-buys.dat') });
    const rollup = await rollupDays({ client, logger }, days, { attempts: 1, retryDelayMs: 0, runId: randomUUID() });
    if (!rollup.ok) throw new Error('the rollup failed');
    out(`data: ${clicks.loaded} clicks, ${buys.loaded} buys (${summary.sessions} sessions) over ${days.length} days, rolled up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    t0 = performance.now();
    postgres = await createDetectorSchema(config, `bench_api_${suffix}`);
    const n = Number(values.anomalies);
    const start = Date.parse(`${days[0]}T00:00:00Z`);
    const span = days.length * 86_400_000;
    await postgres.pool.query(
      `INSERT INTO ${postgres.schema}.anomaly_sessions (session_id, anomaly_type, window_start, window_end, click_count, unique_items)
       SELECT 900000000000 + i, CASE WHEN i % 3 = 0 THEN 'BOT_LIKE' ELSE 'HIGH_FREQUENCY' END,
              to_timestamp(($2 + (i * 7919 % ($3 / 10000)) * 10000) / 1000.0),
              to_timestamp(($2 + (i * 7919 % ($3 / 10000)) * 10000 + 60000) / 1000.0),
              50 + i % 100, 1 + i % 5
       FROM generate_series(1, $1::bigint) AS i`,
      [n, start, span],
    );
    await postgres.pool.query(`ANALYZE ${postgres.schema}.anomaly_sessions`);
    out(`anomalies: ${n} rows in PostgreSQL schema ${postgres.schema} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `import { Command } from 'commander'; import { registerServeCommand } from './graphql/command.ts'; const p = new Command('guardian'); registerServeCommand(p); await p.parseAsync(process.argv.slice(1), { from: 'user' });`, 'serve', '--port', String(port), '--no-live'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, CLICKHOUSE_DATABASE: database, DETECTOR_PG_SCHEMA: postgres.schema, GATEWAY_CACHE_TTL_MS: values['cache-ttl'], LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
      if (up) break;
      if (i > 120 || child.exitCode !== null) throw new Error('the gateway did not start');
      await sleep(250);
    }

    const rows: string[][] = [];
    for (const scenario of SCENARIOS) {
      const body = JSON.stringify({ query: scenario.query, variables: scenario.variables });
      const check = (await (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { errors?: unknown[]; data?: Record<string, unknown> };
      if (check.errors) throw new Error(`${scenario.name}: ${JSON.stringify(check.errors)}`);
      // Warm-up (JIT, connection pools), then the measured run.
      await autocannon({ url: `${url}/graphql`, connections, duration: 2, method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const result = await autocannon({ url: `${url}/graphql`, connections, duration, method: 'POST', headers: { 'content-type': 'application/json' }, body });
      rows.push([
        scenario.name,
        result.requests.average.toFixed(0),
        result.latency.p50.toFixed(1),
        result.latency.p99.toFixed(1),
        result.latency.max.toFixed(0),
        String(result.non2xx + result.errors + result.timeouts),
      ]);
    }
    const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'failed'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    out('');
    out(line(header));
    for (const row of rows) out(line(row));
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await postgres?.drop().catch(() => undefined);
    await client.close();
    await dropSandboxDatabase(admin, database).catch(() => undefined);
    await admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
