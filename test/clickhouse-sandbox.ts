/** A private ClickHouse database per test file (see clickhouse/sandbox-database.ts). */
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../lib/clients/clickhouse.ts';
import { createSandboxDatabase, dropSandboxDatabase } from '../clickhouse/sandbox-database.ts';
import { config, uniqueName } from './helpers.ts';

export interface Sandbox {
  database: string;
  /** Bound to the sandbox database. */
  client: ClickHouseClient;
  /** Runs a query with `{name:Type}` parameters and returns its rows. */
  rows<T>(query: string, params?: Record<string, unknown>): Promise<T[]>;
  drop(): Promise<void>;
}

export async function openSandbox(prefix: string): Promise<Sandbox> {
  const database = uniqueName(prefix).replaceAll('-', '_');
  const admin = createClickHouse(config, { database: 'default' });
  await createSandboxDatabase(admin, config, database);
  const client = createClickHouse(config, { database });
  return {
    database,
    client,
    async rows<T>(query: string, params?: Record<string, unknown>) {
      const result = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
      return result.json<T>();
    },
    async drop() {
      await client.close();
      await dropSandboxDatabase(admin, database);
      await admin.close();
    },
  };
}
