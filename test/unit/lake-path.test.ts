/** The lake's object layout: event-time (UTC) folders and deterministic file names. */
import { describe, expect, it } from 'vitest';
import { fileKey, hourFolder, hourIndexOf, hoursBetween, normalizePrefix, parseFileKey } from '../../ingest/lake/lake-path.ts';

const at = (iso: string) => Date.parse(iso);

describe('lake paths', () => {
  it('file under topics/<topic>/dt=YYYY-MM-DD/hour=HH/<topic>+<partition>+<firstOffset>.parquet by event time, UTC', () => {
    const hour = hourIndexOf(at('2014-04-07T10:51:09.277Z'));
    expect(fileKey('topics', { topic: 'km.clicks.raw.v1', partition: 2, hour, firstOffset: 1234 })).toBe(
      'topics/km.clicks.raw.v1/dt=2014-04-07/hour=10/km.clicks.raw.v1+2+1234.parquet',
    );
  });

  it('puts the last millisecond of an hour in that hour and midnight in the new day', () => {
    expect(hourFolder('topics', 't', hourIndexOf(at('2014-04-07T23:59:59.999Z')))).toBe('topics/t/dt=2014-04-07/hour=23/');
    expect(hourFolder('topics', 't', hourIndexOf(at('2014-04-08T00:00:00.000Z')))).toBe('topics/t/dt=2014-04-08/hour=00/');
    expect(hourFolder('topics', 't', hourIndexOf(at('1969-12-31T23:30:00.000Z')))).toBe('topics/t/dt=1969-12-31/hour=23/');
  });

  it('is the same name for the same file, whatever else is in the file', () => {
    const id = { topic: 't', partition: 0, hour: hourIndexOf(at('2014-04-01T00:00:00Z')), firstOffset: 7 };
    expect(fileKey('topics', id)).toBe(fileKey('topics', { ...id }));
  });

  it('parses back what it writes and refuses anything else', () => {
    const id = { topic: 'km.purchases.raw.v1', partition: 11, hour: hourIndexOf(at('2014-09-30T05:00:00Z')), firstOffset: 9_007_199_254 };
    const key = fileKey('lake/raw', id);
    expect(parseFileKey(key)).toEqual({ ...id, prefix: 'lake/raw' });
    expect(parseFileKey('topics/t/dt=2014-04-01/hour=24/t+0+0.parquet')).toBeUndefined();
    expect(parseFileKey('topics/t/dt=2014-02-30/hour=01/t+0+0.parquet')).toBeUndefined();
    expect(parseFileKey('topics/t/dt=2014-04-01/hour=01/other+0+0.parquet')).toBeUndefined();
    expect(parseFileKey('topics/t/dt=2014-04-01/hour=01/t+0+0.json')).toBeUndefined();
  });

  it('normalizes the prefix and refuses an empty or relative one', () => {
    expect(normalizePrefix('/topics/')).toBe('topics');
    expect(normalizePrefix('test-lake/run-1')).toBe('test-lake/run-1');
    expect(() => normalizePrefix('/')).toThrow(/lake prefix/);
    expect(() => normalizePrefix('a/../b')).toThrow(/lake prefix/);
  });

  it('lists the hours overlapping a range, end exclusive', () => {
    const hours = hoursBetween(at('2014-04-01T22:30:00Z'), at('2014-04-02T01:00:00Z'));
    expect(hours.map((h) => hourFolder('p', 't', h))).toEqual([
      'p/t/dt=2014-04-01/hour=22/',
      'p/t/dt=2014-04-01/hour=23/',
      'p/t/dt=2014-04-02/hour=00/',
    ]);
  });
});
