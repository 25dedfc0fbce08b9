/**
 * An aligned text table for a terminal, psql style: a header, a rule, one
 * line per row, numbers right-aligned (by ClickHouse type), NULL shown as
 * `NULL`, and a closing `(N rows)` line. Values arrive as ClickHouse printed
 * them (JSONCompactStrings), so nothing is re-rounded.
 */

export interface TableColumn {
  name: string;
  /** ClickHouse type, e.g. `Nullable(Float64)`. */
  type: string;
}

const NUMERIC = /^(?:Nullable\()?(?:LowCardinality\()?(?:U?Int\d+|Float\d+|Decimal|BFloat16)/;

export const isNumericType = (type: string): boolean => NUMERIC.test(type);

/** Display width: code points (good enough for the data at hand; no East Asian wide chars). */
const width = (text: string): number => [...text].length;

const pad = (text: string, size: number, right: boolean): string => {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return right ? fill + text : text + fill;
};

/** One-line form of a cell: control characters escaped, NULL spelled out. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/[\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly unknown[])[], footer?: string): string {
  const cells = rows.map((row) => columns.map((_, i) => cellText(row[i])));
  const widths = columns.map((column, i) => Math.max(width(column.name), ...cells.map((row) => width(row[i]!))));
  const right = columns.map((column) => isNumericType(column.type));
  const line = (values: readonly string[], alignRight: readonly boolean[]) =>
    ` ${values.map((value, i) => pad(value, widths[i]!, alignRight[i]!)).join(' │ ')}`.trimEnd();
  const out = [
    line(columns.map((c) => c.name), columns.map(() => false)),
    widths.map((w) => '─'.repeat(w + 2)).join('┼'),
    ...cells.map((row) => line(row, right)),
    `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'}${footer ? `, ${footer}` : ''})`,
  ];
  return `${out.join('\n')}\n`;
}
