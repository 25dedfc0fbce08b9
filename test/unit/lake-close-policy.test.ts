/** When a lake file closes: rows, wall-clock age, or event time past its hour. */
import { describe, expect, it } from 'vitest';
import { closeReason, DEFAULT_CLOSE_POLICY } from '../../ingest/lake/close-policy.ts';

const HOUR = 3_600_000;
const hour = Date.UTC(2014, 3, 1, 10) / HOUR; // 10:00–11:00
const policy = { maxRows: 100, maxAgeMs: 60_000, lateGraceMs: 300_000 };
const open = { rows: 10, openedAtMs: 1_000_000, hour };
const inHour = Date.UTC(2014, 3, 1, 10, 30);

describe('close policy', () => {
  it('defaults to 100k rows, 60 s, 5 min of event-time grace', () => {
    expect(DEFAULT_CLOSE_POLICY).toEqual({ maxRows: 100_000, maxAgeMs: 60_000, lateGraceMs: 300_000 });
  });

  it('keeps a young, small file of the current hour open', () => {
    expect(closeReason(open, { wallMs: 1_059_999, watermarkMs: inHour }, policy)).toBeUndefined();
  });

  it('closes at exactly maxRows rows', () => {
    expect(closeReason({ ...open, rows: 99 }, { wallMs: 1_000_000, watermarkMs: inHour }, policy)).toBeUndefined();
    expect(closeReason({ ...open, rows: 100 }, { wallMs: 1_000_000, watermarkMs: inHour }, policy)).toBe('rows');
  });

  it('closes maxAgeMs after the first row was buffered', () => {
    expect(closeReason(open, { wallMs: 1_060_000, watermarkMs: inHour }, policy)).toBe('age');
  });

  it("closes once the partition's event time is the grace past the end of the hour", () => {
    const end = Date.UTC(2014, 3, 1, 11);
    expect(closeReason(open, { wallMs: 1_000_000, watermarkMs: end + 299_999 }, policy)).toBeUndefined();
    expect(closeReason(open, { wallMs: 1_000_000, watermarkMs: end + 300_000 }, policy)).toBe('event-time');
  });

  it('reports rows before age before event time', () => {
    expect(closeReason({ ...open, rows: 100 }, { wallMs: 9e9, watermarkMs: 9e12 }, policy)).toBe('rows');
    expect(closeReason(open, { wallMs: 9e9, watermarkMs: 9e12 }, policy)).toBe('age');
  });
});
