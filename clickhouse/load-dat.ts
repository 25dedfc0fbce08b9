/**
 * Loads a YOOCHOOSE `.dat` file straight into `clicks_raw` / `purchases_raw`,
 * bypassing Kafka: for sandboxes (tests, benchmarks) and for backfilling raw
 * tables from files.
 *
 * Each row gets Kafka-like coordinates so that the rollup's deduplication
 * applies to it as to a consumed message: `_topic` = `source` (default
 * `file:<absolute path>`), `_partition` = 0, `_offset` = the 1-based line
 * number. Loading the same file twice therefore doubles the raw rows but not
 * the rollup's numbers. Lines are parsed by the producers' parser (SPEC §1);
 * malformed lines are skipped and counted, never loaded. The file is
 * streamed and inserted in batches (`batchRows`), never held whole.
 */
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { parseClickLine, parsePurchaseLine, readLineBatches, type LineContext } from '../ingest/parse/index.ts';

export type DatKind = 'clicks' | 'purchases';

export interface LoadDatOptions {
  kind: DatKind;
  file: string;
  /** Written as `_topic`. @default `file:<absolute path>` */
  source?: string;
  /** Rows per INSERT. @default 500000 */
  batchRows?: number;
  onProgress?: (loaded: number) => void;
}

export interface LoadDatSummary {
  loaded: number;
  skipped: number;
}

const TABLES: Record<DatKind, string> = { clicks: 'clicks_raw', purchases: 'purchases_raw' };
const COLUMNS: Record<DatKind, string[]> = {
  clicks: ['session_id', 'timestamp', 'item_id', 'category', '_topic', '_partition', '_offset'],
  purchases: ['session_id', 'timestamp', 'item_id', 'price', 'quantity', '_topic', '_partition', '_offset'],
};

/** Epoch ms → `YYYY-MM-DD HH:MM:SS.mmm` (UTC), what a DateTime64(3, 'UTC') column reads from CSV. */
const csvTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
const csvString = (value: string): string => `"${value.replaceAll('"', '""')}"`;

/** Loads one file into the raw table of the client's database. */
export async function loadDatFile(client: ClickHouseClient, options: LoadDatOptions): Promise<LoadDatSummary> {
  const source = csvString(options.source ?? `file:${path.resolve(options.file)}`);
  const batchRows = options.batchRows ?? 500_000;
  const context: LineContext = { source: path.basename(options.file), lineNumber: 0 };
  let rows: string[] = [];
  let loaded = 0;
  let skipped = 0;
  const flush = async (): Promise<void> => {
    if (rows.length === 0) return;
    await client.insert({ table: TABLES[options.kind], columns: COLUMNS[options.kind] as [string, ...string[]], values: Readable.from([`${rows.join('\n')}\n`], { objectMode: false }), format: 'CSV' });
    loaded += rows.length;
    rows = [];
    options.onProgress?.(loaded);
  };
  for await (const batch of readLineBatches(options.file)) {
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      context.lineNumber = batch.firstLineNumber + i;
      if (options.kind === 'clicks') {
        const parsed = parseClickLine(line, context);
        if (parsed.kind !== 'ok') {
          skipped++;
          continue;
        }
        const e = parsed.event;
        rows.push(`${e.session_id},${csvTime(e.timestamp)},${e.item_id},${csvString(e.category)},${source},0,${context.lineNumber}`);
      } else {
        const parsed = parsePurchaseLine(line, context);
        if (parsed.kind !== 'ok') {
          skipped++;
          continue;
        }
        const e = parsed.event;
        rows.push(`${e.session_id},${csvTime(e.timestamp)},${e.item_id},${e.price},${e.quantity},${source},0,${context.lineNumber}`);
      }
      if (rows.length >= batchRows) await flush();
    }
  }
  await flush();
  return { loaded, skipped };
}
