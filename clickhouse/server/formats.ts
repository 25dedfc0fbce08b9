/**
 * What this endpoint needs to know about ClickHouse formats: the
 * Content-Type a ClickHouse server sends for each output format, which
 * formats chDB's zero-copy raw insert accepts, and how many result rows a
 * buffered result holds when that can be known without parsing it
 * (line-per-row formats whose values never contain a raw newline, and the
 * single-document JSON formats, which state `"rows"`).
 */

/** Formats chDB's `Session.insert({ values: Buffer, format })` accepts (its RAW_FORMATS whitelist). */
export const RAW_INSERT_FORMATS = new Set([
  'JSONEachRow',
  'JSONCompactEachRow',
  'CSV',
  'CSVWithNames',
  'TSV',
  'TabSeparated',
  'TSVWithNames',
  'TabSeparatedWithNames',
] as const);

export type RawInsertFormatName = typeof RAW_INSERT_FORMATS extends Set<infer T> ? T : never;

export const isRawInsertFormat = (format: string): format is RawInsertFormatName =>
  (RAW_INSERT_FORMATS as Set<string>).has(format);

const BINARY = /^(RowBinary.*|Native|Parquet|Arrow|ArrowStream|ORC|Avro|AvroConfluent|Protobuf.*|CapnProto|MsgPack|Npy|BSONEachRow|RawBLOB|One)$/;

/** The Content-Type ClickHouse answers a result in `format` with. */
export function contentTypeFor(format: string): string {
  if (/^(TabSeparated|TSV)/.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/.test(format)) return `text/csv; charset=UTF-8; header=${/With(Names|Types)/.test(format) ? 'present' : 'absent'}`;
  if (/JSON/.test(format) || format === 'NDJSON') return 'application/json; charset=UTF-8';
  if (format === 'XML') return 'application/xml; charset=UTF-8';
  if (format === 'Markdown') return 'text/markdown; charset=UTF-8';
  if (BINARY.test(format)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

/** Header lines before the rows, for line-per-row formats whose values escape newlines; undefined for any other format. */
function headerLines(format: string): number | undefined {
  const m = /^(TabSeparated|TSV|JSONCompactEachRow|JSONCompactStringsEachRow)(WithNames|WithNamesAndTypes)?$/.exec(format);
  if (m) return m[2] === 'WithNamesAndTypes' ? 2 : m[2] === 'WithNames' ? 1 : 0;
  if (/^(JSONEachRow|JSONStringsEachRow|JSONLines|NDJSON)$/.test(format)) return 0;
  return undefined;
}

/** Rows in a buffered result, or undefined when the format does not tell without a real parser. */
export function countResultRows(format: string, body: Uint8Array): number | undefined {
  if (body.length === 0) return 0;
  const header = headerLines(format);
  if (header !== undefined) {
    let lines = 0;
    for (const byte of body) if (byte === 0x0a) lines++;
    return Math.max(0, lines - header);
  }
  if (/^JSON(Compact)?(Strings)?$/.test(format)) {
    const tail = Buffer.from(body.buffer, body.byteOffset, body.byteLength).subarray(-512).toString('utf8');
    const rows = /"rows":\s*(\d+)/.exec(tail);
    return rows ? Number(rows[1]) : undefined;
  }
  return undefined;
}
