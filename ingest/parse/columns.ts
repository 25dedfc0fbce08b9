/**
 * The column layouts of the two YOOCHOOSE files (SPEC §1) and the checks the
 * line parsers share. The good path never splits the line: it finds the
 * commas and reads numbers in place, so a valid line costs one allocation
 * (the category or nothing) besides the event. Each failure produces a
 * reason naming the 1-based column, its name and the problem.
 */
import { describeIntegerFailure, parseNonNegativeIntegerAt } from './integer.ts';
import { explainTimestamp, parseTimestampAt } from './timestamp.ts';

export const CLICK_COLUMNS = ['session_id', 'timestamp', 'item_id', 'category'] as const;
export const PURCHASE_COLUMNS = ['session_id', 'timestamp', 'item_id', 'price', 'quantity'] as const;

/** Largest Avro `int` (quantity). */
export const MAX_AVRO_INT = 2_147_483_647;

const CARRIAGE_RETURN = 13;
const MAX_COLUMNS = 8;

/**
 * Column boundaries of the last `locateColumns` call: column c spans
 * [bounds[c], bounds[c + 1] - 1). Shared scratch space: parsing is synchronous.
 */
const bounds = new Int32Array(MAX_COLUMNS + 1);

/** The line without one trailing `\r`, so CRLF input parses no matter which reader split it. */
export function withoutCarriageReturn(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === CARRIAGE_RETURN ? line.slice(0, -1) : line;
}

/** Counts the comma-separated columns of `text`; when there are exactly `expected`, records their bounds. */
export function locateColumns(text: string, expected: number): number {
  let count = 1;
  bounds[0] = 0;
  for (let comma = text.indexOf(','); comma !== -1; comma = text.indexOf(',', comma + 1)) {
    if (count < expected) bounds[count] = comma + 1;
    count++;
  }
  if (count === expected) bounds[count] = text.length + 1;
  return count;
}

export function columnStart(index: number): number {
  return bounds[index]!;
}

export function columnEnd(index: number): number {
  return bounds[index + 1]! - 1;
}

export function columnCountReason(columns: readonly string[], found: number): string {
  return `expected ${columns.length} columns (${columns.join(',')}), got ${found}`;
}

function columnReason(columns: readonly string[], index: number, problem: string): string {
  return `column ${index + 1} (${columns[index]}): ${problem}`;
}

/**
 * A non-negative integer column of the located line: the value, or a reason.
 * Callers test `typeof result === 'number'`.
 */
export function integerColumn(columns: readonly string[], index: number, text: string, max?: number): number | string {
  const start = bounds[index]!;
  const end = bounds[index + 1]! - 1;
  const value = parseNonNegativeIntegerAt(text, start, end, max);
  return value >= 0 ? value : columnReason(columns, index, describeIntegerFailure(value, text.slice(start, end), max));
}

/** A timestamp column of the located line: epoch milliseconds, or a reason. */
export function timestampColumn(columns: readonly string[], index: number, text: string): number | string {
  const start = bounds[index]!;
  const end = bounds[index + 1]! - 1;
  const value = parseTimestampAt(text, start, end);
  if (value === value) return value; // not NaN
  const raw = text.slice(start, end);
  return columnReason(columns, index, `${explainTimestamp(raw) ?? 'invalid timestamp'}: ${JSON.stringify(raw)}`);
}

/** The reason for an empty free-text column. */
export function emptyColumnReason(columns: readonly string[], index: number): string {
  return columnReason(columns, index, 'empty');
}
