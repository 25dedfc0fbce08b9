/**
 * Sandbox databases: the project's ClickHouse schema (every file in
 * `clickhouse/ddl/`, same text, same order) in a database of its own, minus
 * the Kafka engine tables and the materialized views that read them.
 *
 * Why without Kafka: the Kafka tables name the real topics and consumer
 * groups, so a second copy would join the shared database's consumer group
 * and take its messages. A sandbox gets its raw rows by direct inserts
 * (`loadDatFile`) instead; everything downstream of the raw tables — live
 * aggregates, views, serving tables, the rollup — is the real thing.
 * Tests and benchmarks use sandboxes so that they never see each other's
 * data or the shared database's.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../lib/config.ts';
import { ConfigError } from '../lib/errors.ts';
import { listMigrationFiles } from '../migrations/files.ts';
import { CLICKHOUSE_DDL_DIR } from '../migrations/migrate.ts';
import { renderDdl, splitStatements } from '../migrations/clickhouse-migrations.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CREATE_NAME = /^CREATE\s+(?:MATERIALIZED\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.`]+)/i;
const KAFKA_ENGINE = /\bENGINE\s*=\s*Kafka\b/i;
const FROM_TABLE = /\bFROM\s+([\w.`]+)/gi;

const bare = (name: string): string => name.replaceAll('`', '');

/**
 * The statements minus Kafka engine tables and every statement that reads
 * one (their materialized views), in the original order.
 */
export function withoutKafkaEngine(statements: readonly string[]): string[] {
  const kafkaTables = new Set<string>();
  const kept: string[] = [];
  for (const statement of statements) {
    const name = CREATE_NAME.exec(statement)?.[1];
    if (name !== undefined && KAFKA_ENGINE.test(statement)) {
      kafkaTables.add(bare(name));
      continue;
    }
    const reads = [...statement.matchAll(FROM_TABLE)].map((match) => bare(match[1]!));
    if (reads.some((table) => kafkaTables.has(table))) continue;
    kept.push(statement);
  }
  return kept;
}

/** The rendered, Kafka-free DDL statements for `database`, in application order. */
export function sandboxStatements(config: Config, database: string, dir = CLICKHOUSE_DDL_DIR): string[] {
  if (!IDENTIFIER.test(database)) throw new ConfigError(`database name must be an identifier, got "${database}"`);
  const statements = listMigrationFiles(dir, '.sql').flatMap((file) => splitStatements(renderDdl(file.text, config, database)));
  return withoutKafkaEngine(statements);
}

/** Creates `database` with the Kafka-free schema (idempotent: every statement is IF NOT EXISTS). */
export async function createSandboxDatabase(client: ClickHouseClient, config: Config, database: string): Promise<void> {
  for (const statement of sandboxStatements(config, database)) await client.command({ query: statement });
}

export async function dropSandboxDatabase(client: ClickHouseClient, database: string): Promise<void> {
  if (!IDENTIFIER.test(database)) throw new ConfigError(`database name must be an identifier, got "${database}"`);
  await client.command({ query: 'DROP DATABASE IF EXISTS {db:Identifier} SYNC', query_params: { db: database } });
}
