/**
 * PostgreSQL is the machine's own server, not a process of this stack: it is
 * started if installed but stopped, installed from Debian if absent, and the
 * project's database is created if missing. `stack down` leaves it running.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import pg from 'pg';
import type { Config } from '../../lib/config.ts';
import { GuardianError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/logger.ts';
import { sleep } from '../../lib/retry.ts';
import { LOOPBACK, type Probe, type Service } from '../service.ts';

const run = promisify(execFile);
const log = createLogger('stack');

/** The same server, but its always-present `postgres` database. */
function maintenanceUrl(config: Config): string {
  const url = new URL(config.postgres.url);
  url.pathname = '/postgres';
  return url.toString();
}

const databaseName = (config: Config) => decodeURIComponent(new URL(config.postgres.url).pathname.slice(1));

async function probe(config: Config): Promise<Probe> {
  const client = new pg.Client({ connectionString: maintenanceUrl(config), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return { up: true, version: rows[0]?.server_version };
  } catch (error) {
    return { up: false, detail: (error as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const clusters = (): string[] => (fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql') : []);

async function startLocalServer(): Promise<void> {
  if (clusters().length === 0) {
    log.info('PostgreSQL is not installed; installing it from Debian (apt-get install postgresql)');
    await run('apt-get', ['update', '-qq'], { maxBuffer: 64 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', '-qq', 'postgresql'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 * 1024 * 1024 });
  }
  for (const version of clusters()) {
    log.info({ version }, 'starting the local PostgreSQL cluster');
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']).catch((error: Error) => {
      if (!/already running/i.test(error.message)) throw error;
    });
  }
}

export const postgresService: Service = {
  name: 'postgresql',
  address: (config) => {
    const url = new URL(config.postgres.url);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  },
  isLocal: (config) => LOOPBACK.has(new URL(config.postgres.url).hostname),
  probe,
  async start(ctx) {
    if ((await probe(ctx.config)).up) return;
    await startLocalServer();
    for (let i = 0; i < 60; i++) {
      const result = await probe(ctx.config);
      if (result.up) return;
      await sleep(500);
    }
    throw new GuardianError(`postgresql did not come up at ${postgresService.address(ctx.config)}; check \`pg_lsclusters\` and /var/log/postgresql`);
  },
  async prepare(config) {
    const name = databaseName(config);
    const client = new pg.Client({ connectionString: maintenanceUrl(config) });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
  },
  /**
   * The project's database goes with the topics: the detector's checkpoints
   * hold offsets of the deleted topics, which new topics would start below.
   * The server and its other databases stay.
   */
  async reset(config) {
    if (!(await probe(config)).up) return;
    const client = new pg.Client({ connectionString: maintenanceUrl(config) });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(databaseName(config))} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  },
};
