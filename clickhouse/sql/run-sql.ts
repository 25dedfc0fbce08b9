/**
 * Runs analyst SQL through the one ClickHouse client: each statement of the
 * text in turn (`;` at the end of a line separates them), output either as
 * an aligned table or in any ClickHouse output format, passed through as the
 * server writes it. A statement with its own `FORMAT` clause is passed
 * through in that format. `{name:Type}` placeholders take `params`.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { splitStatements } from '../../migrations/clickhouse-migrations.ts';
import { formatTable, type TableColumn } from './format-table.ts';

export interface RunSqlOptions {
  /** `table`, or a ClickHouse output format name (TSVWithNames, CSV, JSONEachRow, Pretty, Parquet, …). */
  format: string;
  params?: Record<string, string>;
  /** Table output keeps this many rows and says how many more there were. @default 10000 */
  maxRows?: number;
  out: Writable;
}

const OWN_FORMAT = /\bFORMAT\s+[A-Za-z0-9_]+\s*$/i;
const TABLE_FORMAT = 'JSONCompactStringsEachRowWithNamesAndTypes';

/** Statements of an SQL text (comments and a trailing `;` removed). */
export function sqlStatements(text: string): string[] {
  return splitStatements(text.replace(/;\s*$/, '')).filter((statement) => statement.length > 0);
}

export async function runSql(client: ClickHouseClient, text: string, options: RunSqlOptions): Promise<void> {
  for (const statement of sqlStatements(text)) {
    const table = options.format.toLowerCase() === 'table' && !OWN_FORMAT.test(statement);
    const started = performance.now();
    // A statement's own FORMAT clause wins over default_format, as in ClickHouse.
    const defaultFormat = table ? TABLE_FORMAT : options.format.toLowerCase() === 'table' ? 'TabSeparatedWithNames' : options.format;
    const result = await client.exec({
      query: statement,
      query_params: options.params,
      clickhouse_settings: { default_format: defaultFormat as ClickHouseSettings['default_format'] },
    });
    if (!table) {
      for await (const chunk of result.stream as AsyncIterable<Buffer>) {
        if (!options.out.write(chunk)) await once(options.out, 'drain');
      }
      continue;
    }
    await writeTable(result.stream, options, performance.now() - started);
  }
}

async function writeTable(stream: Readable, options: RunSqlOptions, firstByteMs: number): Promise<void> {
  const maxRows = options.maxRows ?? 10_000;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let names: string[] | undefined;
  let columns: TableColumn[] | undefined;
  const rows: unknown[][] = [];
  let more = 0;
  for await (const line of lines) {
    if (line.length === 0) continue;
    const values = JSON.parse(line) as unknown[];
    if (names === undefined) names = values as string[];
    else if (columns === undefined) columns = names.map((name, i) => ({ name, type: String(values[i]) }));
    else if (rows.length < maxRows) rows.push(values);
    else more++;
  }
  if (columns === undefined) {
    options.out.write('Ok.\n');
    return;
  }
  const footer = [`${(firstByteMs / 1000).toFixed(3)} s`, more > 0 ? `${more} more not shown (--max-rows)` : ''].filter(Boolean).join(', ');
  options.out.write(formatTable(columns, rows, footer));
}
