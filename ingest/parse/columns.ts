/**
 * The column layouts of the two YOOCHOOSE files (SPEC §1) and the checks the
 * line parsers share, each producing a reason that names the 1-based column,
 * its name and the problem.
 */
import {
  describeIntegerFailure,
  parseNonNegativeInteger,
} from './integer.ts';
import { explainTimestamp, parseTimestamp } from './timestamp.ts';

export const CLICK_COLUMNS = ['session_id', 'timestamp', 'item_id', 'category'] as const;
export const PURCHASE_COLUMNS = ['session_id', 'timestamp', 'item_id', 'price', 'quantity'] as const;

/** Largest Avro `int` (quantity). */
export const MAX_AVRO_INT = 2_147_483_647;

const CARRIAGE_RETURN = 13;

/** The line without one trailing `\r`, so CRLF input parses no matter which reader split it. */
export function withoutCarriageReturn(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === CARRIAGE_RETURN ? line.slice(0, -1) : line;
}

export function columnCountReason(columns: readonly string[], found: number): string {
  return `expected ${columns.length} columns (${columns.join(',')}), got ${found}`;
}

function columnReason(columns: readonly string[], index: number, problem: string): string {
  return `column ${index + 1} (${columns[index]}): ${problem}`;
}

/**
 * A non-negative integer column: the value, or a reason string. Callers test
 * `typeof result === 'number'`; the good path allocates nothing.
 */
export function integerColumn(columns: readonly string[], index: number, text: string, max?: number): number | string {
  const value = parseNonNegativeInteger(text, max);
  return value >= 0 ? value : columnReason(columns, index, describeIntegerFailure(value, text, max));
}

/** A timestamp column: epoch milliseconds, or a reason string. */
export function timestampColumn(columns: readonly string[], index: number, text: string): number | string {
  const value = parseTimestamp(text);
  if (value === value) return value; // not NaN
  const problem = explainTimestamp(text) ?? 'invalid timestamp';
  return columnReason(columns, index, `${problem}: ${JSON.stringify(text)}`);
}

/** A free-text column that must not be empty: undefined when fine, else the reason. */
export function nonEmptyColumn(columns: readonly string[], index: number, text: string): string | undefined {
  return text.length > 0 ? undefined : columnReason(columns, index, 'empty');
}
