/**
 * Sorts the URL parameters of a ClickHouse HTTP request into what they are:
 * the request's own controls (`query`, `database`, `default_format`,
 * `query_id`, compression), `param_<name>` query parameters, parameters that
 * only mean something to an HTTP server and are dropped, and everything else,
 * which is a setting for this one query. Guarantees: a setting name reaching
 * the engine is a plain identifier, and `buildSetStatement` quotes every value
 * as a string literal, so no URL parameter can inject SQL.
 */
import { ClickHouseHttpError } from './clickhouse-errors.ts';

/**
 * Parameters the HTTP layer consumes or ignores; never forwarded as settings.
 * The first group is chDB's own HTTP_ONLY_SETTINGS (chdb/connection), then the
 * rest of ClickHouse's reserved HTTP parameter names.
 */
const NOT_SETTINGS = new Set([
  // chdb/connection HTTP_ONLY_SETTINGS
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_response_buffer_size',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_compression_method',
  'http_native_compression_disable_checksumming_on_decompress',
  // other settings that only shape an HTTP response
  'http_wait_end_of_query',
  'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close',
  'http_write_exception_in_output_format',
  // ClickHouse's reserved HTTP parameters
  'query',
  'query_id',
  'database',
  'default_format',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'compress',
  'decompress',
  'user',
  'password',
  'quota_key',
  'role',
  'stacktrace',
  'buffer_size',
  'client_protocol_version',
]);

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface UrlOptions {
  /** The `query` parameter, if any. */
  query?: string;
  database?: string;
  defaultFormat?: string;
  queryId?: string;
  /** `param_<name>` values, keyed by `<name>`, exactly as sent. */
  params: Record<string, string>;
  /** Settings for this query only, in the order given. */
  settings: Array<[name: string, value: string]>;
  /** `enable_http_compression=1`: compress the response if the client accepts it. */
  compressResponse: boolean;
  /** `http_zlib_compression_level` (ClickHouse's default is 3). */
  compressionLevel: number;
}

const truthy = (value: string | undefined): boolean => value !== undefined && value !== '0' && value.toLowerCase() !== 'false';

/** Classifies URL parameters (and `param_*`/`query` parts of a multipart body, which come later and win). */
export function classifyUrlParams(entries: Iterable<[string, string]>): UrlOptions {
  const all = new Map<string, string>();
  for (const [key, value] of entries) {
    all.delete(key); // the last occurrence wins, and keeps its position
    all.set(key, value);
  }
  if (truthy(all.get('compress')) || truthy(all.get('decompress'))) {
    // Native (LZ4/ZSTD block) compression of ClickHouse's HTTP interface: the
    // body would be unreadable by either side, so refuse rather than garble it.
    throw new ClickHouseHttpError(
      'NOT_IMPLEMENTED',
      'ClickHouse native compression (compress=1 / decompress=1) is not supported by the embedded endpoint; use Content-Encoding / enable_http_compression instead',
    );
  }
  const params: Record<string, string> = {};
  const settings: Array<[string, string]> = [];
  for (const [key, value] of all) {
    if (key.startsWith('param_')) {
      params[key.slice('param_'.length)] = value;
    } else if (!NOT_SETTINGS.has(key)) {
      if (!SETTING_NAME.test(key)) throw new ClickHouseHttpError('UNKNOWN_SETTING', `Unknown setting '${key}'`);
      settings.push([key, value]);
    }
  }
  const level = Number(all.get('http_zlib_compression_level') ?? 3);
  return {
    query: all.get('query'),
    database: all.get('database') || undefined,
    defaultFormat: all.get('default_format') || undefined,
    queryId: all.get('query_id') || undefined,
    params,
    settings,
    compressResponse: truthy(all.get('enable_http_compression')),
    compressionLevel: Number.isInteger(level) && level >= 1 && level <= 9 ? level : 3,
  };
}

/** A ClickHouse single-quoted string literal. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A backquoted identifier. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/**
 * `SET a = '1', b = 'x'`: values go as string literals, which the engine
 * parses into each setting's own type (numbers, booleans, enums, maps alike).
 */
export function buildSetStatement(settings: ReadonlyArray<readonly [string, string]>): string {
  return `SET ${settings.map(([name, value]) => `${name} = ${quoteString(value)}`).join(', ')}`;
}
