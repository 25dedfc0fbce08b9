/** `guardian migrate`: applies PostgreSQL migrations and the ClickHouse DDL, idempotently. */
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, PROJECT_ROOT, type Config } from '../lib/config.ts';
import { createClickHouse } from '../lib/clients/clickhouse.ts';
import { migrateClickHouse } from './clickhouse-migrations.ts';
import { migratePostgres } from './postgres-migrations.ts';
import type { MigrationResult } from './files.ts';

export const POSTGRES_MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations/postgres');
export const CLICKHOUSE_DDL_DIR = path.join(PROJECT_ROOT, 'clickhouse/ddl');

export async function migrateAll(config: Config): Promise<MigrationResult[]> {
  const postgres = await migratePostgres(config.postgres.url, POSTGRES_MIGRATIONS_DIR);
  const client = createClickHouse(config, { database: 'default' });
  try {
    return [...postgres, ...(await migrateClickHouse(client, config, CLICKHOUSE_DDL_DIR))];
  } finally {
    await client.close();
  }
}

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply PostgreSQL migrations and ClickHouse DDL (idempotent)')
    .action(async () => {
      for (const r of await migrateAll(loadConfig())) process.stdout.write(`${r.target.padEnd(10)}  ${r.name.padEnd(32)}  ${r.status}\n`);
    });
}
