/**
 * Runs one analysed statement on a leased engine connection. Guarantees:
 * - the request's database (`USE`) and settings (one `SET`) apply to this
 *   request only: they go on the leased connection, which is then marked
 *   dirty and closed on release, so neither leaks into another request and
 *   no SQL rewriting is needed (SET works for every statement kind, where a
 *   `SETTINGS` clause does not, e.g. SYSTEM or INSERT with data); a
 *   `SETTINGS` clause in the statement still overrides them, as in ClickHouse;
 * - placeholders are bound server-side by chDB (`queryBindAsync`), never
 *   spliced into the SQL;
 * - the result is buffered whole, so an error always arrives before any
 *   byte of the response, with its proper status.
 */
import type { EnginePool } from './engine-pool.ts';
import { countResultRows } from './formats.ts';
import { runInsert } from './insert-runner.ts';
import { bindValues } from './query-params.ts';
import { makeSummary, type ClickHouseSummary } from './response.ts';
import { placeholderTypes, type AnalyzedStatement } from './statement.ts';
import { buildSetStatement, quoteIdentifier } from './url-params.ts';

export interface QueryRequest {
  statement: AnalyzedStatement;
  /** The full request text (URL query, "\n", body); INSERT data is read from it. */
  full: Buffer;
  /** `param_*` values as sent. */
  params: Record<string, string>;
  settings: ReadonlyArray<readonly [string, string]>;
  database?: string;
  /** The output format when the statement has no FORMAT clause. */
  defaultFormat: string;
}

export interface QueryOutcome {
  body: Buffer;
  /** The format the body is in. */
  format: string;
  summary: ClickHouseSummary;
}

export async function runQuery(pool: EnginePool, request: QueryRequest, spillDir: string): Promise<QueryOutcome> {
  const { statement } = request;
  const format = statement.outputFormat ?? request.defaultFormat;
  const bind = Object.keys(request.params).length > 0 ? bindValues(request.params, placeholderTypes(statement.sql)) : undefined;
  const lease = await pool.acquire();
  try {
    const session = lease.session;
    if (request.database !== undefined && request.database !== 'default') {
      lease.markDirty();
      await session.queryAsync(`USE ${quoteIdentifier(request.database)}`);
    }
    if (request.settings.length > 0) {
      lease.markDirty();
      await session.queryAsync(buildSetStatement(request.settings));
    }
    if (statement.changesSessionState) lease.markDirty();

    if (statement.insertData) {
      const data = request.full.subarray(statement.insertData.dataOffset);
      const summary = await runInsert(session, { ...statement, insertData: statement.insertData }, data, { spillDir, bind });
      return { body: Buffer.alloc(0), format, summary };
    }

    const started = process.hrtime.bigint();
    const result = bind
      ? await session.queryBindAsync(statement.sql, bind, { format })
      : await session.queryAsync(statement.sql, { format });
    const elapsed = process.hrtime.bigint() - started;
    const bytes = result.bytes();
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return {
      body,
      format,
      summary: makeSummary({
        read_rows: result.rowsRead,
        read_bytes: result.bytesRead,
        total_rows_to_read: result.rowsRead,
        result_rows: countResultRows(format, body) ?? 0,
        result_bytes: body.length,
        elapsed_ns: elapsed,
      }),
    };
  } finally {
    lease.release();
  }
}
