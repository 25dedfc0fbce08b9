/**
 * ClickHouse. By default the embedded engine: chDB behind a small HTTP
 * endpoint speaking the ClickHouse HTTP interface (clickhouse/server), one
 * process owning one data directory. When CLICKHOUSE_URL names a server, that
 * server is used and nothing is started.
 */
import path from 'node:path';
import type { Config } from '../../lib/config.ts';
import { PROJECT_ROOT } from '../../lib/config.ts';
import type { ManagedProcess } from '../processes.ts';
import { hostPort, httpGet, startAndWait, type Probe, type Service } from '../service.ts';

const processOf = (config: Config): ManagedProcess => ({ name: 'clickhouse', marker: 'clickhouse/server/main.ts', stackDir: config.stackDir });
const dataDir = (config: Config) => path.join(config.stackDir, 'clickhouse');

async function probe(config: Config): Promise<Probe> {
  const ping = await httpGet(`${config.clickhouse.url}/ping`);
  if (!ping?.ok) return { up: false, detail: ping ? `ping ${ping.status}` : 'no answer' };
  const headers: Record<string, string> = {
    'X-ClickHouse-User': config.clickhouse.username,
    'X-ClickHouse-Key': config.clickhouse.password,
  };
  const version = await fetch(`${config.clickhouse.url}/?query=${encodeURIComponent('SELECT version()')}`, {
    headers,
    signal: AbortSignal.timeout(5000),
  })
    .then((r) => (r.ok ? r.text() : undefined))
    .catch(() => undefined);
  return { up: true, version: version?.trim() };
}

export const clickhouseService: Service = {
  name: 'clickhouse',
  address: (config) => `${config.clickhouse.url}${config.clickhouse.embedded ? ' (embedded chDB)' : ''}`,
  isLocal: (config) => config.clickhouse.embedded,
  process: processOf,
  dataDirs: (config) => [dataDir(config)],
  probe,
  async start(ctx) {
    const { config } = ctx;
    const { host, port } = hostPort(config.clickhouse.url);
    await startAndWait('clickhouse', {
      process: processOf(config),
      host,
      port,
      probe: () => probe(config),
      command: async () => ({
        command: process.execPath,
        cwd: PROJECT_ROOT,
        // Each concurrent chDB query holds a libuv worker thread; the default pool of 4 caps concurrency at 3.
        env: { UV_THREADPOOL_SIZE: '16' },
        args: ['--import', 'tsx', path.join(PROJECT_ROOT, 'clickhouse/server/main.ts'), '--data-dir', dataDir(config), '--host', host, '--port', String(port)],
      }),
    });
  },
  async prepare(config) {
    const response = await fetch(config.clickhouse.url, {
      method: 'POST',
      body: `CREATE DATABASE IF NOT EXISTS ${config.clickhouse.database}`,
      headers: { 'X-ClickHouse-User': config.clickhouse.username, 'X-ClickHouse-Key': config.clickhouse.password },
    });
    if (!response.ok) throw new Error(`clickhouse: cannot create database: ${await response.text()}`);
  },
};
