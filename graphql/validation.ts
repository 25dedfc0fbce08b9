/**
 * Argument checks the schema's types cannot express (bounds, ranges,
 * cursors). Each failure is a BAD_USER_INPUT error whose message starts
 * with the argument's name. Formats (Date, DateTime, Long, AnomalyType) are
 * checked by the scalars and enums themselves (schema/scalars.ts).
 */
import { badInput } from './errors.ts';
import type { AnomalyPosition } from './data/anomaly-store.ts';

const MS_PER_DAY = 86_400_000;

/** The largest span of days one range query may cover. */
export const MAX_RANGE_DAYS = 366;

/** An integer argument within [min, max]; `fallback` when omitted. */
export function boundedInt(argument: string, value: number | null | undefined, bounds: { min: number; max: number; fallback: number }): number {
  const n = value ?? bounds.fallback;
  if (!Number.isInteger(n) || n < bounds.min || n > bounds.max) {
    throw badInput(argument, `expected an integer from ${bounds.min} to ${bounds.max}, got ${n}`);
  }
  return n;
}

/** A positive 64-bit id (session ids are positive). */
export function positiveId(argument: string, value: number): number {
  if (value <= 0) throw badInput(argument, `expected a positive id, got ${value}`);
  return value;
}

const dayNumber = (day: string): number => Date.parse(`${day}T00:00:00.000Z`) / MS_PER_DAY;

/** A day range, both ends included: `to` must not be before `from`, and the span is bounded. */
export function dayRange(from: string, to: string, names: { from: string; to: string } = { from: 'from', to: 'to' }): { from: string; to: string } {
  if (to < from) throw badInput(names.to, `${to} is before ${names.from} ${from}`);
  const days = dayNumber(to) - dayNumber(from) + 1;
  if (days > MAX_RANGE_DAYS) throw badInput(names.to, `the range ${from}..${to} spans ${days} days; at most ${MAX_RANGE_DAYS} are allowed`);
  return { from, to };
}

/** An instant range [from, to): `to` must be after `from` when both are given. */
export function instantRange(from: number | null | undefined, to: number | null | undefined): { from?: number; to?: number } {
  if (from != null && to != null && to <= from) {
    throw badInput('to', `${new Date(to).toISOString()} is not after from ${new Date(from).toISOString()}`);
  }
  return { from: from ?? undefined, to: to ?? undefined };
}

/** Opaque cursor of the anomalies list: base64url of [windowStart, sessionId, type]. */
export function encodeCursor(position: AnomalyPosition): string {
  return Buffer.from(JSON.stringify([position.windowStart, position.sessionId, position.type])).toString('base64url');
}

export function decodeCursor(argument: string, cursor: string): AnomalyPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 3 && Number.isSafeInteger(value[0]) && Number.isSafeInteger(value[1]) && typeof value[2] === 'string') {
      return { windowStart: value[0] as number, sessionId: value[1] as number, type: value[2] };
    }
  } catch {
    // reported below
  }
  throw badInput(argument, `not a cursor of this list: "${cursor.length > 40 ? `${cursor.slice(0, 40)}…` : cursor}" (use pageInfo.endCursor)`);
}
