/**
 * Writes the schema in SDL to graphql/schema.graphql (committed; a unit test
 * fails when the code's schema and the file differ, so every API change is
 * a visible diff in review).
 *
 *   npx tsx graphql/print-schema.ts           rewrite the file
 *   npx tsx graphql/print-schema.ts --check   exit 1 when it is out of date
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printGatewaySchema } from './schema/index.ts';

export const SCHEMA_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'schema.graphql');

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const printed = printGatewaySchema();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (current !== printed) {
      process.stderr.write(`${SCHEMA_FILE} is out of date; run \`npx tsx graphql/print-schema.ts\` and review the diff\n`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(SCHEMA_FILE, printed);
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  }
}
