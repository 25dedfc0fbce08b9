/** Migration files: listed in name order with a checksum of their content. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface MigrationFile {
  name: string;
  checksum: string;
  text: string;
}

export interface MigrationResult {
  target: 'postgres' | 'clickhouse';
  name: string;
  status: 'applied' | 'already applied';
}

export function listMigrationFiles(dir: string, extension: string): MigrationFile[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(extension))
    .sort()
    .map((name) => {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      return { name, text, checksum: createHash('sha256').update(text).digest('hex').slice(0, 16) };
    });
}
