/**
 * PostgreSQL migrations: `migrations/postgres/NNNN_name.sql`, each applied
 * once, in name order, inside a transaction, and recorded with its checksum
 * in `schema_migrations`. A file changed after it was applied is an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { GuardianError } from '../lib/errors.ts';
import { listMigrationFiles, type MigrationResult } from './files.ts';

export async function migratePostgres(databaseUrl: string, dir: string): Promise<MigrationResult[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    // One migrator at a time (parallel test workers, several processes starting together).
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['guardian-migrations']);
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations');
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const results: MigrationResult[] = [];
    for (const file of listMigrationFiles(dir, '.sql')) {
      const known = applied.get(file.name);
      if (known !== undefined) {
        if (known !== file.checksum) throw new GuardianError(`postgres migration ${file.name} was changed after it was applied; add a new migration instead`);
        results.push({ target: 'postgres', name: file.name, status: 'already applied' });
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(fs.readFileSync(path.join(dir, file.name), 'utf8'));
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new GuardianError(`postgres migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
      }
      results.push({ target: 'postgres', name: file.name, status: 'applied' });
    }
    return results;
  } finally {
    await client.end();
  }
}
