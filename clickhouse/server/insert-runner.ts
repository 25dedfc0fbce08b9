/**
 * Runs `INSERT … FORMAT <name>` with the request's data. Guarantees:
 * - the simple shape (`INSERT INTO [db.]table [(cols)] [SETTINGS …] FORMAT X`,
 *   X one of chDB's raw formats, no query parameters) goes through chDB's raw
 *   insert: the bytes go to the engine's parser as they are, never copied
 *   into SQL text, and the summary counts the rows the engine wrote,
 *   materialized-view cascades included;
 * - any other format or shape (RowBinary, Native, Parquet, Values,
 *   `(* EXCEPT …)`, placeholders…) gets its data through a private temporary
 *   file spliced in as `FROM INFILE`, so binary data reaches the engine
 *   byte-exact; the file is removed afterwards whatever happens;
 * - an empty body inserts nothing and succeeds, as on a ClickHouse server.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Session } from 'chdb';
import { isRawInsertFormat } from './formats.ts';
import { makeSummary, type ClickHouseSummary } from './response.ts';
import type { AnalyzedStatement, InsertWithData } from './statement.ts';
import { quoteString } from './url-params.ts';

export interface InsertContext {
  /** Directory for FROM INFILE spill files, owned by this endpoint. */
  spillDir: string;
  /** Values to bind to placeholders, when the request has any. */
  bind?: Record<string, string | null>;
}

const elapsedNs = (started: bigint): bigint => process.hrtime.bigint() - started;

/** Runs the insert; `data` is the request text after the format name. */
export async function runInsert(
  session: Session,
  statement: AnalyzedStatement & { insertData: InsertWithData },
  data: Buffer,
  ctx: InsertContext,
): Promise<ClickHouseSummary> {
  const { insertData } = statement;
  const started = process.hrtime.bigint();
  if (data.length === 0) return makeSummary({});

  const simple = insertData.simple;
  if (simple && isRawInsertFormat(insertData.format) && ctx.bind === undefined) {
    const result = await session.insert({
      table: simple.table,
      columns: simple.columns,
      values: data,
      format: insertData.format,
      settings: Object.keys(simple.settings).length > 0 ? simple.settings : undefined,
    });
    return makeSummary({
      read_rows: result.rowsSent ?? result.rowsWritten,
      read_bytes: result.bytesSent,
      written_rows: result.rowsWritten,
      written_bytes: result.bytesWritten,
      total_rows_to_read: 0,
      elapsed_ns: elapsedNs(started),
    });
  }

  const at = insertData.infileAt ?? statement.sql.length;
  const file = path.join(ctx.spillDir, `insert-${randomUUID()}.data`);
  await fs.writeFile(file, data);
  try {
    const sql = `${statement.sql.slice(0, at).trimEnd()} FROM INFILE ${quoteString(file)} ${statement.sql.slice(at)}`;
    const result = ctx.bind ? await session.queryBindAsync(sql, ctx.bind) : await session.queryAsync(sql);
    // chDB reports no written-rows ledger for SQL inserts; what it read from the file is the closest it has.
    return makeSummary({
      read_rows: result.rowsRead,
      read_bytes: result.bytesRead,
      written_rows: result.rowsRead,
      written_bytes: result.bytesRead,
      elapsed_ns: elapsedNs(started),
    });
  } finally {
    await fs.rm(file, { force: true });
  }
}
