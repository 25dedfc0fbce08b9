/**
 * The one timestamp format of the YOOCHOOSE files: ISO-8601 UTC with exactly
 * three fraction digits, `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 characters).
 *
 * Parsing is strict (no other offsets, no missing milliseconds, month 13 or
 * 30 February refused) and allocation-free on the good path: it reads char
 * codes, not a regex, and computes epoch milliseconds with integer calendar
 * arithmetic rather than `Date.parse` (which accepts far more than the format
 * and rolls 2014-02-30 over to March).
 */

const TIMESTAMP_LENGTH = 24;
const MS_PER_DAY = 86_400_000;
const ZERO = 48;

/** The format, for messages. */
export const TIMESTAMP_FORMAT = 'YYYY-MM-DDTHH:MM:SS.mmmZ';

/** Position -> required separator char code; 0 marks a digit position. */
const LAYOUT = new Uint8Array(TIMESTAMP_LENGTH);
for (const [position, char] of [
  [4, '-'],
  [7, '-'],
  [10, 'T'],
  [13, ':'],
  [16, ':'],
  [19, '.'],
  [23, 'Z'],
] as const) {
  LAYOUT[position] = char.charCodeAt(0);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Reads `count` ASCII digits at `start`; -1 when any is not a digit (or one is missing). */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Epoch milliseconds of a `YYYY-MM-DDTHH:MM:SS.mmmZ` timestamp, or NaN when
 * the text is not exactly that (use `explainTimestamp` for the reason).
 */
export function parseTimestamp(text: string): number {
  return parseTimestampAt(text, 0, text.length);
}

/** `parseTimestamp(text.slice(start, end))` without the slice. */
export function parseTimestampAt(text: string, start: number, end: number): number {
  if (end - start !== TIMESTAMP_LENGTH) return NaN;
  for (let i = 0; i < TIMESTAMP_LENGTH; i++) {
    const separator = LAYOUT[i];
    if (separator !== 0 && text.charCodeAt(start + i) !== separator) return NaN;
  }
  const year = digits(text, start, 4);
  const month = digits(text, start + 5, 2);
  const day = digits(text, start + 8, 2);
  const hour = digits(text, start + 11, 2);
  const minute = digits(text, start + 14, 2);
  const second = digits(text, start + 17, 2);
  const millis = digits(text, start + 20, 3);
  if (year < 0 || millis < 0) return NaN;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
}

/** Why `parseTimestamp(text)` is NaN, or undefined when it is not. */
export function explainTimestamp(text: string): string | undefined {
  const shape = `not an ISO-8601 UTC timestamp with milliseconds (${TIMESTAMP_FORMAT})`;
  if (text.length !== TIMESTAMP_LENGTH) return shape;
  for (let i = 0; i < TIMESTAMP_LENGTH; i++) {
    const separator = LAYOUT[i];
    const code = text.charCodeAt(i);
    if (separator !== 0 ? code !== separator : code < ZERO || code > ZERO + 9) return shape;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (month < 1 || month > 12) return `month ${month} out of range 01..12`;
  const lastDay = daysInMonth(year, month);
  if (day < 1 || day > lastDay) return `day ${day} out of range 01..${lastDay} for ${text.slice(0, 7)}`;
  const hour = digits(text, 11, 2);
  if (hour > 23) return `hour ${hour} out of range 00..23`;
  const minute = digits(text, 14, 2);
  if (minute > 59) return `minute ${minute} out of range 00..59`;
  const second = digits(text, 17, 2);
  if (second > 59) return `second ${second} out of range 00..59`;
  return undefined;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** `YYYY-MM-DDT` of the UTC day containing `epochMs` (years 0000..9999). */
export function formatDayPrefix(epochMs: number): string {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} cannot be written as YYYY`);
  return `${String(year).padStart(4, '0')}-${PAD2[date.getUTCMonth() + 1]}-${PAD2[date.getUTCDate()]}T`;
}

/** `HH:MM:SS.mmmZ` of a millisecond-of-day value in [0, 86_400_000). */
export function formatTimeOfDay(msOfDay: number): string {
  const seconds = Math.floor(msOfDay / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${PAD2[Math.floor(minutes / 60)]}:${PAD2[minutes % 60]}:${PAD2[seconds % 60]}.${PAD3[msOfDay % 1000]}Z`;
}

/** The inverse of `parseTimestamp`: `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
export function formatTimestamp(epochMs: number): string {
  if (!Number.isSafeInteger(epochMs)) throw new RangeError(`not an integer epoch-millisecond value: ${epochMs}`);
  const msOfDay = ((epochMs % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  return formatDayPrefix(epochMs) + formatTimeOfDay(msOfDay);
}
