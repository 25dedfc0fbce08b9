/**
 * Writes responses the way a ClickHouse server does. Guarantees: every
 * answer to a query carries `X-ClickHouse-Query-Id`, `X-ClickHouse-Format`,
 * `X-ClickHouse-Timezone`, `X-ClickHouse-Server-Display-Name` and, on success,
 * `X-ClickHouse-Summary` (all counters as decimal strings); an error carries
 * `X-ClickHouse-Exception-Code` and the ClickHouse-shaped body with the status
 * ClickHouse would use; the body is compressed only when the request set
 * `enable_http_compression=1` and accepts gzip, deflate or br.
 */
import type { ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { formatErrorBody, httpStatusFor, type ClickHouseErrorInfo } from './clickhouse-errors.ts';
import { contentTypeFor } from './formats.ts';

/** The X-ClickHouse-Summary header, as ClickHouse writes it: every counter a decimal string. */
export interface ClickHouseSummary {
  read_rows: string;
  read_bytes: string;
  written_rows: string;
  written_bytes: string;
  total_rows_to_read: string;
  result_rows: string;
  result_bytes: string;
  elapsed_ns: string;
}

export function makeSummary(counters: Partial<Record<keyof ClickHouseSummary, number | bigint>>): ClickHouseSummary {
  const n = (key: keyof ClickHouseSummary): string => String(counters[key] ?? 0);
  return {
    read_rows: n('read_rows'),
    read_bytes: n('read_bytes'),
    written_rows: n('written_rows'),
    written_bytes: n('written_bytes'),
    total_rows_to_read: n('total_rows_to_read'),
    result_rows: n('result_rows'),
    result_bytes: n('result_bytes'),
    elapsed_ns: n('elapsed_ns'),
  };
}

export type ContentEncoding = 'gzip' | 'deflate' | 'br';

/** Per-request facts every response repeats. */
export interface ResponseContext {
  queryId: string;
  /** The output format (the statement's FORMAT clause, else the default format). */
  format: string;
  timezone: string;
  displayName: string;
  version: string;
  /** Set when the body is to be compressed. */
  encoding?: ContentEncoding;
  compressionLevel: number;
}

/** The codec for `Accept-Encoding`, ClickHouse's preference order (gzip, deflate, br); undefined when none fits. */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding | undefined {
  const accepted = new Set(
    (acceptEncoding ?? '')
      .split(',')
      .map((part) => part.trim().split(';')[0]!.toLowerCase())
      .filter(Boolean),
  );
  if (accepted.has('gzip') || accepted.has('x-gzip')) return 'gzip';
  if (accepted.has('deflate')) return 'deflate';
  if (accepted.has('br')) return 'br';
  return undefined;
}

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotli = promisify(zlib.brotliCompress);

async function encode(body: Buffer, encoding: ContentEncoding, level: number): Promise<Buffer> {
  if (encoding === 'gzip') return gzip(body, { level });
  if (encoding === 'deflate') return deflate(body, { level });
  return brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level } });
}

function commonHeaders(ctx: ResponseContext): Record<string, string> {
  return {
    'X-ClickHouse-Query-Id': ctx.queryId,
    'X-ClickHouse-Format': ctx.format,
    'X-ClickHouse-Timezone': ctx.timezone,
    'X-ClickHouse-Server-Display-Name': ctx.displayName,
  };
}

async function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer, ctx: ResponseContext): Promise<void> {
  let payload = body;
  if (ctx.encoding) {
    payload = await encode(body, ctx.encoding, ctx.compressionLevel);
    headers['Content-Encoding'] = ctx.encoding;
  }
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'Content-Length': String(payload.length) });
  res.end(payload);
}

/** A successful query or insert. */
export function sendResult(res: ServerResponse, body: Buffer, summary: ClickHouseSummary, ctx: ResponseContext): Promise<void> {
  return send(
    res,
    200,
    { ...commonHeaders(ctx), 'Content-Type': contentTypeFor(ctx.format), 'X-ClickHouse-Summary': JSON.stringify(summary) },
    body,
    ctx,
  );
}

/** A failed query, with ClickHouse's body, status and exception-code header. */
export function sendError(res: ServerResponse, info: ClickHouseErrorInfo, ctx: ResponseContext): Promise<void> {
  return send(
    res,
    httpStatusFor(info.code),
    { ...commonHeaders(ctx), 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(info.code) },
    Buffer.from(formatErrorBody(info, ctx.version), 'utf8'),
    ctx,
  );
}

/** A plain-text answer outside the query path (`Ok.` for /ping, 404 for unknown handlers). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}
