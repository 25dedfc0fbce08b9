/**
 * `guardian sql`: ad hoc SQL against the project's ClickHouse.
 *
 *   guardian sql "SELECT * FROM daily_metrics ORDER BY day"
 *   guardian sql --format CSVWithNames < report.sql > report.csv
 *   guardian sql --param day=2014-04-07 "SELECT * FROM popular_items WHERE day = {day:Date}"
 *
 * The query comes from the argument or, without one, from standard input.
 * Output: an aligned table on a terminal, TabSeparatedWithNames otherwise,
 * or any ClickHouse format with --format (`table` forces the table).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createClickHouse } from '../../lib/clients/clickhouse.ts';
import { positiveInteger } from '../../lib/cli-args.ts';
import { loadConfig } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';
import { runSql } from './run-sql.ts';

interface SqlOptions {
  format?: string;
  param: Record<string, string>;
  database?: string;
  maxRows?: number;
}

const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`--param: expected name=value, got "${value}"`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerSqlCommand(program: Command): void {
  program
    .command('sql')
    .description('run SQL on ClickHouse: the query from the argument or standard input; output as a table or any ClickHouse format')
    .argument('[query]', 'SQL text (several statements: end each with ; at the end of a line); default: read standard input')
    .option('-f, --format <name>', 'table, or a ClickHouse output format (TSVWithNames, CSVWithNames, JSONEachRow, Pretty, Parquet…); default: table on a terminal, TabSeparatedWithNames otherwise')
    .option('-p, --param <name=value>', 'value of a {name:Type} placeholder (repeatable)', collectParam, {})
    .option('--database <name>', 'database for unqualified table names (default: $CLICKHOUSE_DATABASE)')
    .option('--max-rows <n>', 'rows shown by the table output (default 10000)', positiveInteger('--max-rows'))
    .action(async (query: string | undefined, options: SqlOptions) => {
      const text = query ?? (process.stdin.isTTY ? '' : await readStdin());
      if (text.trim() === '') throw new ConfigError('no SQL given: pass it as an argument or on standard input');
      const format = options.format ?? (process.stdout.isTTY ? 'table' : 'TabSeparatedWithNames');
      if (!FORMAT_NAME.test(format)) throw new ConfigError(`--format: not a format name: "${format}"`);
      const config = loadConfig();
      const client = createClickHouse(config, { database: options.database ?? config.clickhouse.database });
      try {
        await runSql(client, text, { format, params: options.param, maxRows: options.maxRows, out: process.stdout });
      } finally {
        await client.close();
      }
    });
}
