/**
 * Shared by the detector's integration suites and its benchmark: a
 * PostgreSQL schema of one's own (the project's migrations applied into it),
 * topics, per-partition sentinel clicks, and the detector as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerValueEncoder } from '../lib/avro-codec.ts';
import { PROJECT_ROOT, type Config } from '../lib/config.ts';
import { clickEventSchema } from '../schemas/index.ts';
import { detectorTables } from '../detector/tables.ts';
import { decodeSnapshot } from '../detector/snapshot-codec.ts';
import type { WindowEngineSnapshot } from '../detector/windows/index.ts';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations/postgres');

/** A fresh schema holding every table of migrations/postgres (applied in name order), dropped by `drop()`. */
export async function createDetectorSchema(config: Config, name: string): Promise<{ schema: string; pool: pg.Pool; drop(): Promise<void> }> {
  const schema = name.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 3 });
  pool.on('error', () => undefined);
  const client = await pool.connect();
  try {
    await client.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
    await client.query(`SET search_path TO ${pg.escapeIdentifier(schema)}`);
    for (const file of fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort()) {
      await client.query(fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'));
    }
  } finally {
    client.release(true);
  }
  return {
    schema,
    pool,
    async drop() {
      await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      await pool.end();
    },
  };
}

export interface AnomalyRow {
  session_id: number;
  anomaly_type: string;
  window_start: number;
  window_end: number;
  click_count: number;
  unique_items: number;
}

/** `session|type|start|end|clicks|items`: a row without its detected_at, for set comparisons. */
export const rowKey = (r: AnomalyRow): string =>
  `${r.session_id}|${r.anomaly_type}|${r.window_start}|${r.window_end}|${r.click_count}|${r.unique_items}`;

export async function readAnomalyRows(pool: pg.Pool, schema: string): Promise<(AnomalyRow & { detected_at: number })[]> {
  const { rows } = await pool.query<{ session_id: string; anomaly_type: string; window_start: Date; window_end: Date; click_count: number; unique_items: number; detected_at: Date }>(
    `SELECT * FROM ${detectorTables(schema).anomalies} ORDER BY session_id, anomaly_type, window_start`,
  );
  return rows.map((r) => ({
    session_id: Number(r.session_id),
    anomaly_type: r.anomaly_type,
    window_start: r.window_start.getTime(),
    window_end: r.window_end.getTime(),
    click_count: r.click_count,
    unique_items: r.unique_items,
    detected_at: r.detected_at.getTime(),
  }));
}

export interface CheckpointRow {
  partition: number;
  nextOffset: number;
  writtenBy: string;
  snapshot: WindowEngineSnapshot;
}

export async function readCheckpoints(pool: pg.Pool, schema: string, groupId: string): Promise<CheckpointRow[]> {
  const { rows } = await pool.query<{ partition: number; next_offset: string; written_by: string; snapshot: Buffer }>(
    `SELECT partition, next_offset, written_by, snapshot FROM ${detectorTables(schema).checkpoints} WHERE group_id = $1 ORDER BY partition`,
    [groupId],
  );
  return Promise.all(
    rows.map(async (r) => ({
      partition: r.partition,
      nextOffset: Number(r.next_offset),
      writtenBy: r.written_by,
      snapshot: (await decodeSnapshot(r.snapshot)) as WindowEngineSnapshot,
    })),
  );
}

/** Every checkpointed offset of the group has reached the topic's end. */
export async function checkpointsAtEnd(kafka: Kafka, pool: pg.Pool, schema: string, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const { rows } = await pool.query<{ partition: number; next_offset: string }>(
    `SELECT partition, next_offset FROM ${detectorTables(schema).checkpoints} WHERE group_id = $1 AND topic = $2`,
    [groupId, topic],
  );
  const at = new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
  return ends.every((e) => (at.get(e.partition) ?? 0) >= Number(e.high));
}

export async function createTopics(kafka: Kafka, topics: string[], numPartitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
  await admin.disconnect();
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}

/** Session ids of sentinel clicks: below the injection range, far above generated ids. */
export const SENTINEL_SESSION_BASE = 899_999_999_000;

/**
 * One click per partition at `timestampMs`, sent to that partition
 * explicitly: moves every partition's watermark past all earlier windows, so
 * the end of a finite test stream becomes final.
 */
export async function produceSentinels(producer: Producer, registry: SchemaRegistry, topic: string, partitions: number, timestampMs: number): Promise<void> {
  const encoder = await registerValueEncoder(registry, topic, clickEventSchema);
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: partitions }, (_, partition) => ({
      partition,
      key: String(SENTINEL_SESSION_BASE + partition),
      value: encoder.encode({ session_id: SENTINEL_SESSION_BASE + partition, timestamp: timestampMs, item_id: 1, category: '0' }),
    })),
  });
}

export interface DetectorProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/** `detect` as a child process, the way it runs in production (tsx, no build). */
export function spawnDetector(args: string[], env: Record<string, string> = {}): DetectorProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'detector/main.ts'), 'detect', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, output: () => output, exited };
}

export interface TcpProxy {
  readonly port: number;
  /** Refuses new connections and drops the open ones, like a server that went away. */
  cut(): Promise<void>;
  /** Accepts again, on the same port. */
  restore(): Promise<void>;
}

/**
 * A TCP proxy to 127.0.0.1:`targetPort` that a test can cut and restore: a
 * service outage local to the test, which other tests using the real
 * service never notice.
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1');
        sockets.add(client);
        sockets.add(upstream);
        const close = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        for (const socket of [client, upstream]) {
          socket.on('error', close);
          socket.on('close', close);
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      const s = server;
      server = undefined;
      const closed = new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
    restore: listen,
  };
}
