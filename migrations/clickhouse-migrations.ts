/**
 * ClickHouse DDL: `clickhouse/ddl/NNN_name.sql`, applied in name order and
 * recorded in `<db>.schema_migrations`. ClickHouse DDL is not transactional,
 * so every statement is written `IF NOT EXISTS` and a half-applied file is
 * simply applied again. `{{database}}`, `{{kafka_brokers}}` and
 * `{{schema_registry_url}}` are filled from the validated configuration
 * (DDL settings cannot take query parameters).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../lib/config.ts';
import { GuardianError } from '../lib/errors.ts';
import { listMigrationFiles, type MigrationResult } from './files.ts';

export function renderDdl(text: string, config: Config, database = config.clickhouse.database): string {
  const values: Record<string, string> = {
    database,
    kafka_brokers: config.clickhouse.kafkaBrokers.join(','),
    schema_registry_url: config.clickhouse.schemaRegistryUrl,
  };
  return text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new GuardianError(`unknown DDL placeholder ${match}`);
    return value.replaceAll("'", "\\'");
  });
}

/** Splits a DDL file into statements: `;` at the end of a line ends one; `--` comments are dropped. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement.length > 0);
}

export async function migrateClickHouse(
  client: ClickHouseClient,
  config: Config,
  dir: string,
  database = config.clickhouse.database,
): Promise<MigrationResult[]> {
  const files = listMigrationFiles(dir, '.sql');
  const results: MigrationResult[] = [];
  const applied = await appliedMigrations(client, database);
  for (const file of files) {
    const known = applied.get(file.name);
    if (known === file.checksum) {
      results.push({ target: 'clickhouse', name: file.name, status: 'already applied' });
      continue;
    }
    if (known !== undefined) throw new GuardianError(`clickhouse migration ${file.name} was changed after it was applied; add a new migration instead`);
    for (const statement of splitStatements(renderDdl(file.text, config, database))) {
      try {
        await client.command({ query: statement });
      } catch (error) {
        throw new GuardianError(`clickhouse migration ${file.name} failed on:\n${statement.slice(0, 200)}\n${(error as Error).message}`, { cause: error });
      }
    }
    await client.insert({
      table: `${database}.schema_migrations`,
      values: [{ name: file.name, checksum: file.checksum }],
      format: 'JSONEachRow',
    });
    results.push({ target: 'clickhouse', name: file.name, status: 'applied' });
  }
  return results;
}

async function appliedMigrations(client: ClickHouseClient, database: string): Promise<Map<string, string>> {
  const exists = await client.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {table:String}',
    query_params: { db: database, table: 'schema_migrations' },
    format: 'JSONEachRow',
  });
  const [row] = await exists.json<{ n: string | number }>();
  if (Number(row?.n ?? 0) === 0) return new Map();
  const result = await client.query({
    query: `SELECT name, argMax(checksum, applied_at) AS checksum FROM ${database}.schema_migrations GROUP BY name`,
    format: 'JSONEachRow',
  });
  return new Map((await result.json<{ name: string; checksum: string }>()).map((r) => [r.name, r.checksum]));
}
