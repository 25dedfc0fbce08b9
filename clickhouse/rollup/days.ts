/**
 * Calendar days of the rollup: `YYYY-MM-DD`, UTC (SPEC §4: one row per
 * calendar day, UTC). Pure helpers, no clock.
 */
import { InvalidArgumentError } from 'commander';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;

/** True for a real calendar day written `YYYY-MM-DD` (no 2014-02-30). */
export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** A commander parser for a `YYYY-MM-DD` option. */
export function dayOption(name: string) {
  return (value: string): string => {
    if (!isDay(value)) throw new InvalidArgumentError(`${name}: expected a day YYYY-MM-DD, got "${value}"`);
    return value;
  };
}

/** `day` moved by `n` days (negative goes back). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + n * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included, in order; empty when `to` is before `from`. */
export function dayRange(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/** The UTC day of an epoch-ms instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** SPEC §7: the rollup's default day is the one before the data clock's day. */
export function dayBeforeDataClock(dataClockMs: number): string {
  return addDays(dayOf(dataClockMs), -1);
}
