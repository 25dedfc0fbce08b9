/** PostgreSQL pool for the configured database. */
import pg from 'pg';
import type { Config } from '../config.ts';

export function createPostgresPool(config: Config, options: { max?: number } = {}): pg.Pool {
  return new pg.Pool({ connectionString: config.postgres.url, max: options.max ?? 5 });
}

export type { Pool, PoolClient } from 'pg';
