/**
 * Before a rollup: ClickHouse answers and the database has the tables the
 * rollup reads and writes. A missing piece is a one-line error naming it and
 * the fix, instead of every step failing through its retries.
 */
import { ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import { ConfigError, ServiceUnavailableError } from '../../lib/errors.ts';
import { ROLLUP_STEPS } from './steps.ts';

const REQUIRED = [
  'clicks_raw', 'purchases_raw', 'sessions_live', 'items_live', 'ingest_ledger', 'rollup_runs',
  ...Object.values(ROLLUP_STEPS).map((step) => step.table),
];

export async function checkRollupDatabase(client: ClickHouseClient, database: string, url: string): Promise<void> {
  let present: Set<string>;
  try {
    const result = await client.query({
      // rollup_runs.source arrived with 050_rollup_source.sql: a database without it is not migrated either.
      query: `SELECT name FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}
              AND (name != 'rollup_runs' OR (SELECT count() FROM system.columns WHERE database = {db:String} AND table = 'rollup_runs' AND name = 'source') = 1)`,
      query_params: { db: database, names: REQUIRED },
      format: 'JSONEachRow',
    });
    present = new Set((await result.json<{ name: string }>()).map((row) => row.name));
  } catch (error) {
    if (error instanceof ClickHouseError && error.type === 'UNKNOWN_DATABASE') {
      throw new ConfigError(`ClickHouse database "${database}" does not exist; run \`npx guardian migrate\` (or pick the database with --database)`);
    }
    if (error instanceof ClickHouseError) throw error;
    throw new ServiceUnavailableError('ClickHouse', `${url}: ${(error as Error).message}`, { cause: error });
  }
  const missing = REQUIRED.filter((table) => !present.has(table));
  if (missing.length > 0) {
    throw new ConfigError(`ClickHouse database "${database}" lacks ${missing.join(', ')}; run \`npx guardian migrate\` (or pick the database with --database)`);
  }
}
