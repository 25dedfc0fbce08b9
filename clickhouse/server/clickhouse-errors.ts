/**
 * Errors as the ClickHouse HTTP interface reports them. Guarantees: every
 * failure, whether raised by the engine (a chDB error carrying
 * `clickhouseCode`), by this endpoint, or unexpected, becomes one
 * `{ code, type, message }` triple; the body is
 * `Code: <n>. DB::Exception: <message>. (<TYPE>) (version <v>)\n`, which is
 * what @clickhouse/client's `parseError` regex expects; the HTTP status follows
 * ClickHouse's own `exceptionCodeToHTTPStatus` table.
 */
import { GuardianError } from '../../lib/errors.ts';

/** The ClickHouse error codes this endpoint raises itself (numbers as in the engine's ErrorCodes.cpp). */
export const ErrorCode = {
  UNSUPPORTED_METHOD: 1,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  SYNTAX_ERROR: 62,
  UNKNOWN_COMPRESSION_METHOD: 89,
  UNKNOWN_SETTING: 115,
  READONLY: 164,
  CANNOT_DECOMPRESS: 271,
  SUPPORT_IS_DISABLED: 344,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  BAD_QUERY_PARAMETER: 457,
  UNKNOWN_EXCEPTION: 1002,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

/** An error this endpoint raises with a ClickHouse code of its own choosing. */
export class ClickHouseHttpError extends GuardianError {
  readonly code: number;
  readonly type: string;

  constructor(type: ErrorCodeName, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.type = type;
    this.code = ErrorCode[type];
  }
}

export interface ClickHouseErrorInfo {
  code: number;
  /** The error name, e.g. UNKNOWN_TABLE. */
  type: string;
  /** The message without the `Code: n. DB::Exception:` head and the `. (TYPE) (version …)` tail. */
  message: string;
}

const HEAD = /^Code: (\d+)\. DB::Exception: /;
const TAIL = /\. \(([A-Z0-9_]+)\)(?: \(version [^)]*\))?\s*$/;

/**
 * Strips the `Code: n. DB::Exception: … (TYPE) (version …)` wrappers chDB
 * leaves on its messages, sometimes nested two or three deep, down to the
 * innermost text.
 */
function unwrap(raw: string): { code?: number; type?: string; message: string } {
  let text = raw.trim();
  let code: number | undefined;
  let type: string | undefined;
  for (;;) {
    const head = HEAD.exec(text);
    if (!head) break;
    const tail = TAIL.exec(text);
    code = Number(head[1]);
    if (tail) type = tail[1];
    text = text.slice(head[0].length, tail ? tail.index : undefined).trim();
  }
  return { code, type, message: text };
}

/** Maps anything thrown while serving a request to a ClickHouse error triple. */
export function toClickHouseError(error: unknown): ClickHouseErrorInfo {
  if (error instanceof ClickHouseHttpError) {
    return { code: error.code, type: error.type, message: error.message };
  }
  const raw = error instanceof Error ? error.message : String(error);
  const parsed = unwrap(raw);
  const chdbCode = (error as { clickhouseCode?: unknown } | null)?.clickhouseCode;
  const code = typeof chdbCode === 'number' ? chdbCode : parsed.code;
  if (code !== undefined) {
    return { code, type: parsed.type ?? 'UNKNOWN_EXCEPTION', message: parsed.message };
  }
  // chDB's own (JS-side) errors carry no ClickHouse code.
  const chdbKind = (error as { code?: unknown } | null)?.code;
  if (chdbKind === 'CHDB_BIND') return { code: ErrorCode.BAD_QUERY_PARAMETER, type: 'BAD_QUERY_PARAMETER', message: parsed.message };
  if (chdbKind === 'CHDB_INSERT') return { code: ErrorCode.BAD_ARGUMENTS, type: 'BAD_ARGUMENTS', message: parsed.message };
  return { code: ErrorCode.UNKNOWN_EXCEPTION, type: 'UNKNOWN_EXCEPTION', message: parsed.message };
}

/** The error body exactly as a ClickHouse server writes it. */
export function formatErrorBody(info: ClickHouseErrorInfo, version: string): string {
  return `Code: ${info.code}. DB::Exception: ${info.message}. (${info.type}) (version ${version})\n`;
}

// ClickHouse's exceptionCodeToHTTPStatus, by number.
const STATUS_BY_CODE = new Map<number, number>([
  [194, 401], // REQUIRED_PASSWORD
  ...[192, 193, 516, 512, 497].map((c): [number, number] => [c, 403]), // UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, SET_NON_GRANTED_ROLE, ACCESS_DENIED
  // BAD_ARGUMENTS, CANNOT_COMPILE_REGEXP, CANNOT_PARSE_* (TEXT, ESCAPE_SEQUENCE, QUOTED_STRING, DATE, DATETIME, NUMBER,
  // DOMAIN_VALUE_FROM_STRING, IPV4, IPV6, INPUT_ASSERTION_FAILED, UUID), DUPLICATE_COLUMN, ILLEGAL_COLUMN,
  // UNKNOWN_ELEMENT_IN_AST, UNKNOWN_TYPE_OF_AST_NODE, THERE_IS_NO_COLUMN, TOO_DEEP_AST, TOO_BIG_AST,
  // UNEXPECTED_AST_STRUCTURE, SYNTAX_ERROR, INCORRECT_DATA, TYPE_MISMATCH, VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  ...[36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62, 117, 53, 321].map(
    (c): [number, number] => [c, 400],
  ),
  // UNKNOWN_TABLE, UNKNOWN_FUNCTION, UNKNOWN_IDENTIFIER, UNKNOWN_TYPE, UNKNOWN_STORAGE, UNKNOWN_DATABASE,
  // UNKNOWN_SETTING, UNKNOWN_DIRECTION_OF_SORTING, UNKNOWN_AGGREGATE_FUNCTION, UNKNOWN_FORMAT,
  // UNKNOWN_DATABASE_ENGINE, UNKNOWN_TYPE_OF_QUERY, UNKNOWN_ROLE
  ...[60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511].map((c): [number, number] => [c, 404]),
  [229, 413], // QUERY_IS_TOO_LARGE
  [48, 501], // NOT_IMPLEMENTED
  [209, 503], // SOCKET_TIMEOUT
  [76, 503], // CANNOT_OPEN_FILE
  [381, 411], // HTTP_LENGTH_REQUIRED
  [159, 408], // TIMEOUT_EXCEEDED
  [439, 503], // CANNOT_SCHEDULE_TASK
  [779, 415], // UNSUPPORTED_MEDIA_TYPE
]);

/** The HTTP status ClickHouse answers a given exception code with. */
export function httpStatusFor(code: number): number {
  return STATUS_BY_CODE.get(code) ?? 500;
}
