import { describe, expect, it } from 'vitest';
import { addDays, dayBeforeDataClock, dayOption, dayRange, isDay } from '../../clickhouse/rollup/days.ts';

describe('rollup days (UTC calendar days)', () => {
  it('accepts only real days written YYYY-MM-DD', () => {
    expect(isDay('2014-04-07')).toBe(true);
    expect(isDay('2016-02-29')).toBe(true);
    expect(isDay('2014-02-29')).toBe(false);
    expect(isDay('2014-4-7')).toBe(false);
    expect(isDay('2014-04-07T00:00:00Z')).toBe(false);
    expect(() => dayOption('--day')('2014-13-01')).toThrow('--day: expected a day YYYY-MM-DD, got "2014-13-01"');
  });

  it('moves across months, years and leap days', () => {
    expect(addDays('2014-04-30', 1)).toBe('2014-05-01');
    expect(addDays('2014-01-01', -1)).toBe('2013-12-31');
    expect(addDays('2016-03-01', -1)).toBe('2016-02-29');
    expect(addDays('2014-04-07', -3)).toBe('2014-04-04');
  });

  it('lists a range with both ends, in order', () => {
    expect(dayRange('2014-04-29', '2014-05-02')).toEqual(['2014-04-29', '2014-04-30', '2014-05-01', '2014-05-02']);
    expect(dayRange('2014-04-07', '2014-04-07')).toEqual(['2014-04-07']);
    expect(dayRange('2014-04-08', '2014-04-07')).toEqual([]);
  });

  it('defaults to the day before the data clock\'s day (SPEC §7), whatever the time of day', () => {
    expect(dayBeforeDataClock(Date.parse('2014-04-07T00:00:00.000Z'))).toBe('2014-04-06');
    expect(dayBeforeDataClock(Date.parse('2014-04-07T23:59:59.999Z'))).toBe('2014-04-06');
    expect(dayBeforeDataClock(Date.parse('2016-03-01T10:00:00.000Z'))).toBe('2016-02-29');
  });
});
