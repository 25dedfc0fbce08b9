/**
 * How every number and time is shown, in one place (SPEC §4: ratios to 4
 * decimals, money and seconds to 2, only when presented). The end-to-end
 * tests format the API's values with these same functions and compare them
 * with the page's text.
 */
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const twoDecimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const fourDecimals = new Intl.NumberFormat('en-US', { minimumFractionDigits: 4, maximumFractionDigits: 4 });

/** A count: `1,234,567`. */
export const formatCount = (n: number): string => integer.format(n);

/** Money (prices carry no currency in the data set): `12,345.60`. */
export const formatMoney = (n: number): string => twoDecimals.format(n);

/** A ratio in [0, 1] as a percentage with the ratio's 4 decimals: 0.05532 → `5.53%`. */
export const formatRate = (ratio: number): string => `${twoDecimals.format(ratio * 100)}%`;

/** A value already in percent (funnel percentages and drop rates): `45.12%`. */
export const formatPercent = (percent: number): string => `${twoDecimals.format(percent)}%`;

/** A plain ratio with 4 decimals: `0.1234`. */
export const formatRatio = (ratio: number): string => fourDecimals.format(ratio);

/** Seconds with 2 decimals: `123.45 s`. */
export const formatSeconds = (seconds: number): string => `${twoDecimals.format(seconds)} s`;

/** A decimal number with 2 decimals (averages, scores): `3.57`. */
export const formatDecimal = (n: number): string => twoDecimals.format(n);

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An instant (epoch ms or ISO string) in UTC: `2014-04-07 10:51:09 UTC`; data time is UTC throughout. */
export function formatInstant(value: number | string | Date): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** UTC hour label: `04-07 10:00`. */
export function formatHour(value: number | string): string {
  const d = new Date(value);
  return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:00`;
}

/** The browser's own clock time, for "Last updated": `14:03:27`. */
export function formatLocalTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `YYYY-MM-DD` of an instant, UTC. */
export function utcDay(value: number | string | Date): string {
  const d = value instanceof Date ? value : new Date(value);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `YYYY-MM-DD` plus `days` (may be negative). */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return utcDay(d);
}

export const isDay = (value: string | undefined): value is string => value !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));

/** Anomaly type names as people read them. */
export const ANOMALY_LABELS: Record<string, string> = { HIGH_FREQUENCY: 'High frequency', BOT_LIKE: 'Bot-like' };
export const anomalyLabel = (type: string): string => ANOMALY_LABELS[type] ?? type;
