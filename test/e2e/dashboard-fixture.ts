/**
 * What the dashboard's end-to-end tests run against: real services seeded
 * with generated data, and the real gateway serving the built dashboard.
 *
 * - ClickHouse: a private sandbox database holding the rollup tests' five
 *   generated days (test/reference/rollup-fixture.ts), rolled up by the real
 *   `guardian rollup` command;
 * - PostgreSQL: a private schema (the project's migrations) with anomalies
 *   spread over the last two days of the data clock, on sessions that have
 *   clicks, so a drill-down shows events;
 * - Kafka: an anomaly topic of its own, which the gateway's live feed reads;
 * - the gateway: graphql/server.ts's `startGateway` in this process on a free
 *   port, configured with that database, schema and topic, so nothing else
 *   running on the machine sees or changes this data.
 *
 * `gql()` asks the gateway directly (not through the browser): the tests
 * compare what the page shows with what the API answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadDatFile } from '../../clickhouse/load-dat.ts';
import { registerRollupCommand } from '../../clickhouse/rollup/command.ts';
import { startGateway } from '../../graphql/server.ts';
import { registerValueEncoder } from '../../lib/avro-codec.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { PROJECT_ROOT, type Config } from '../../lib/config.ts';
import { anomalyEventSchema } from '../../schemas/index.ts';
import { openSandbox, type Sandbox } from '../clickhouse-sandbox.ts';
import { createDetectorSchema } from '../detector-helpers.ts';
import { config, uniqueName } from '../helpers.ts';
import { FIXTURE_DAYS, writeFixture, type Fixture } from '../reference/rollup-fixture.ts';

/** Rolled-up days: the fixture's days and the one after (no data, a trending baseline). */
export const ROLLED_UP_DAYS = [...FIXTURE_DAYS, '2014-04-06'] as const;

export interface SeededAnomaly {
  sessionId: number;
  type: 'HIGH_FREQUENCY' | 'BOT_LIKE';
  windowStart: number;
  windowEnd: number;
  clickCount: number;
  uniqueItems: number;
}

export interface Gateway {
  url: string;
  port: number;
  /** Resolves once the live feed's consumer has joined its group. */
  feedReady: Promise<void>;
  /** POST /graphql; resolves to `data`, throws on errors. */
  gql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export interface DashboardFixture {
  sandbox: Sandbox;
  pgSchema: string;
  fixture: Fixture;
  anomalies: SeededAnomaly[];
  /** The gateway of the moment (`restartGateway` replaces it). */
  gateway: Gateway;
  /** Stops the gateway (the dashboard should say so). */
  stopGateway(): Promise<void>;
  /** Starts it again on the same port. */
  restartGateway(): Promise<void>;
  /** Another gateway on the same data, with API-key auth on (stop it yourself). */
  startGatewayWithApiKey(key: string): Promise<Gateway>;
  /** Produces to the topic this gateway's live feed reads (a topic of this fixture's own). */
  anomalyProducer: AnomalyProducer;
  close(): Promise<void>;
}

async function rollup(database: string, from: string, to: string): Promise<void> {
  const program = new Command('guardian').exitOverride();
  registerRollupCommand(program);
  await program.parseAsync(['rollup', '--database', database, '--from', from, '--to', to, '--attempts', '1'], { from: 'user' });
}

/**
 * Anomalies over the 48 h before the data clock: two per hour, alternating
 * types, on real sessions of the fixture (so the drill-down has clicks).
 */
function anomalyRows(clockMs: number, sessions: number[]): SeededAnomaly[] {
  const rows: SeededAnomaly[] = [];
  const hourMs = 3_600_000;
  for (let i = 0; i < 96; i += 1) {
    const type = i % 3 === 0 ? 'BOT_LIKE' : 'HIGH_FREQUENCY';
    const length = type === 'BOT_LIKE' ? 60_000 : 10_000;
    const start = Math.floor((clockMs - (i * hourMs) / 2 - 5 * 60_000) / 10_000) * 10_000;
    rows.push({
      sessionId: sessions[i % sessions.length]!,
      type,
      windowStart: type === 'BOT_LIKE' ? Math.floor(start / 30_000) * 30_000 : start,
      windowEnd: (type === 'BOT_LIKE' ? Math.floor(start / 30_000) * 30_000 : start) + length,
      clickCount: type === 'BOT_LIKE' ? 100 + (i % 40) : 50 + (i % 30),
      uniqueItems: type === 'BOT_LIKE' ? 1 + (i % 5) : 3 + (i % 20),
    });
  }
  return rows;
}

/** The gateway (graphql/server.ts) in this process, on a free port, reading the given database and schema. */
export async function startTestGateway(options: {
  database: string;
  pgSchema: string;
  anomaliesTopic: string;
  port?: number;
  /** @default none */
  auth?: Config['gateway']['auth'];
}): Promise<Gateway> {
  const gatewayConfig: Config = {
    ...config,
    clickhouse: { ...config.clickhouse, database: options.database },
    detector: { ...config.detector, pgSchema: options.pgSchema },
    gateway: { ...config.gateway, auth: options.auth ?? { mode: 'none' } },
  };
  const server = await startGateway({ config: gatewayConfig, port: options.port ?? 0, host: '127.0.0.1', anomaliesTopic: options.anomaliesTopic });
  return {
    url: server.url,
    port: server.port,
    feedReady: server.feed?.ready ?? Promise.resolve(),
    async gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
      if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
      return body.data as T;
    },
    stop: () => server.close(),
  };
}

/** Publishes anomalies to the fixture's own anomaly topic, as the detector's outbox publisher does. */
export interface AnomalyProducer {
  send(anomaly: SeededAnomaly): Promise<void>;
  close(): Promise<void>;
}

async function createAnomalyProducer(topic: string): Promise<AnomalyProducer> {
  const kafka = createKafka(config, uniqueName('e2e-anomalies'), { quiet: true });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  const encoder = await registerValueEncoder(createRegistry(config), topic, anomalyEventSchema);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return {
    async send(a) {
      const value = encoder.encode({
        session_id: a.sessionId,
        anomaly_type: a.type,
        window_start: a.windowStart,
        window_end: a.windowEnd,
        click_count: a.clickCount,
        unique_items: a.uniqueItems,
        detected_at: Date.now(),
      });
      await producer.send({ topic, acks: -1, messages: [{ key: String(a.sessionId), value }] });
    },
    async close() {
      await producer.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}

export async function openDashboardFixture(): Promise<DashboardFixture> {
  const fixture = await writeFixture();
  const sandbox = await openSandbox('test_e2e');
  const db = await createDetectorSchema(config, uniqueName('e2e'));
  const anomaliesTopic = uniqueName('e2e.anomalies');
  let gateway: Gateway | undefined;
  let anomalyProducer: AnomalyProducer | undefined;
  try {
    await loadDatFile(sandbox.client, { kind: 'clicks', file: fixture.clicksFile });
    await loadDatFile(sandbox.client, { kind: 'purchases', file: fixture.buysFile });
    await rollup(sandbox.database, ROLLED_UP_DAYS[0], ROLLED_UP_DAYS.at(-1)!);

    const [clock] = await sandbox.rows<{ ms: number }>(
      'SELECT toUnixTimestamp64Milli(max(timestamp)) AS ms FROM (SELECT timestamp FROM clicks_raw UNION ALL SELECT timestamp FROM purchases_raw)',
    );
    const sessions = (
      await sandbox.rows<{ session_id: number }>(
        `SELECT session_id FROM clicks_raw WHERE toDate(timestamp) = {day:Date} GROUP BY session_id HAVING count() >= 3 ORDER BY session_id LIMIT 40`,
        { day: FIXTURE_DAYS.at(-1) },
      )
    ).map((r) => r.session_id);
    const anomalies = anomalyRows(clock!.ms, sessions);
    for (const a of anomalies) {
      await db.pool.query(
        `INSERT INTO ${db.schema}.anomaly_sessions (session_id, anomaly_type, window_start, window_end, click_count, unique_items, detected_at)
         VALUES ($1, $2, to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), $5, $6, to_timestamp($4 / 1000.0) + interval '12 seconds')
         ON CONFLICT DO NOTHING`,
        [a.sessionId, a.type, a.windowStart, a.windowEnd, a.clickCount, a.uniqueItems],
      );
    }

    if (!fs.existsSync(path.join(PROJECT_ROOT, 'web/dist/index.html'))) {
      throw new Error('web/dist is not built: run `npm run build:web` first (stack/run-tests.sh does it)');
    }
    anomalyProducer = await createAnomalyProducer(anomaliesTopic);
    const gatewayOptions = { database: sandbox.database, pgSchema: db.schema, anomaliesTopic };
    gateway = await startTestGateway(gatewayOptions);
    let running: Gateway | undefined = gateway;
    const producer = anomalyProducer;
    const result: DashboardFixture = {
      sandbox,
      pgSchema: db.schema,
      fixture,
      anomalies,
      gateway,
      anomalyProducer: producer,
      async stopGateway() {
        await running?.stop();
        running = undefined;
      },
      startGatewayWithApiKey: (key) => startTestGateway({ ...gatewayOptions, auth: { mode: 'api-key', apiKeys: [key] } }),
      async restartGateway() {
        await running?.stop();
        running = await startTestGateway({ ...gatewayOptions, port: result.gateway.port });
        result.gateway = running;
      },
      async close() {
        await running?.stop();
        await producer.close();
        await db.drop().catch(() => undefined);
        await sandbox.drop().catch(() => undefined);
        fs.rmSync(fixture.dir, { recursive: true, force: true });
      },
    };
    return result;
  } catch (error) {
    await gateway?.stop();
    await anomalyProducer?.close();
    await db.drop().catch(() => undefined);
    await sandbox.drop().catch(() => undefined);
    fs.rmSync(fixture.dir, { recursive: true, force: true });
    throw error;
  }
}
