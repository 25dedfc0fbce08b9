/**
 * Validation of the generator's arguments, shared by `generateDataset` and
 * the `generate` command; every message names the option it is about.
 */
import { ConfigError } from '../../lib/errors.ts';
import { daysFromCivil, daysInMonth } from '../parse/timestamp.ts';
import { RESERVED_SESSION_ID_BASE } from './session-ids.ts';

export const MS_PER_DAY = 86_400_000;

/** Most days one data set may span (ten years). */
export const MAX_DAYS = 3_660;

/** Most sessions one data set may hold, so that ids stay clear of the reserved range. */
export const MAX_SESSIONS = 1_000_000_000;

/** Largest `clicks` target (three billion rows is far beyond any machine this runs on). */
export const MAX_CLICKS = 3_000_000_000;

/** Epoch ms of 00:00 UTC of a `YYYY-MM-DD` date (strict: 2014-02-30 is refused). */
export function parseDay(option: string, text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const bad = (): never => {
    throw new ConfigError(`${option} must be a date YYYY-MM-DD, got ${JSON.stringify(text)}`);
  };
  if (match === null) return bad();
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return bad();
  return daysFromCivil(year, month, day) * MS_PER_DAY;
}

/** A positive integer (decimal digits, `_` or `,` separators allowed: `1_000_000`), at most `max`. */
export function parsePositiveInteger(option: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const cleaned = text.replace(/[_,]/g, '');
  const value = /^\d+$/.test(cleaned) ? Number(cleaned) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`${option} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  if (value > max) throw new ConfigError(`${option} must be at most ${max}, got ${JSON.stringify(text)}`);
  return value;
}

/** A seed: a non-negative safe integer. */
export function parseSeed(option: string, text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new ConfigError(`${option} must be a non-negative integer below 2^53, got ${JSON.stringify(text)}`);
  }
  return value;
}

export interface DayRange {
  /** Epoch ms of 00:00 UTC of the first day. */
  start: number;
  /** Epoch ms of 00:00 UTC of the day after the last one (exclusive end). */
  end: number;
  days: number;
}

export function parseDayRange(from: string, to: string, names = { from: 'from', to: 'to' }): DayRange {
  const start = parseDay(names.from, from);
  const last = parseDay(names.to, to);
  if (last < start) throw new ConfigError(`${names.to} (${to}) must not be before ${names.from} (${from})`);
  const days = (last - start) / MS_PER_DAY + 1;
  if (days > MAX_DAYS) throw new ConfigError(`${names.from}..${names.to} spans ${days} days; at most ${MAX_DAYS}`);
  return { start, end: last + MS_PER_DAY, days };
}

/** A count given as a number (library callers): positive safe integer up to `max`. */
export function checkCount(option: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${option} must be a positive integer, got ${value}`);
  if (value > max) throw new ConfigError(`${option} must be at most ${max}, got ${value}`);
  return value;
}

// The id space must hold every session below the reserved range.
if (MAX_SESSIONS >= RESERVED_SESSION_ID_BASE) throw new Error('MAX_SESSIONS must stay below RESERVED_SESSION_ID_BASE');
