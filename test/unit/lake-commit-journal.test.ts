/** The journal of file boundaries carried in the committed offset's metadata. */
import { describe, expect, it } from 'vitest';
import { checkpointOf, decodeJournal, encodeJournal, journalWithin, JournalError, MAX_METADATA_CHARS, type JournalEntry } from '../../ingest/lake/commit-journal.ts';

const e = (hour: number, first: number, last: number, durable = false): JournalEntry => ({ hour, first, last, durable });

describe('journal encoding', () => {
  it('round-trips, marking uploaded files with *', () => {
    const entries = [e(387874, 0, 120, true), e(387875, 7, 9)];
    expect(encodeJournal(entries)).toBe('lake1;387874:0-120*,387875:7-9');
    expect(decodeJournal(encodeJournal(entries))).toEqual(entries);
    expect(decodeJournal(encodeJournal([]))).toEqual([]);
  });

  it('reads no metadata as an empty journal', () => {
    expect(decodeJournal(null)).toEqual([]);
    expect(decodeJournal('')).toEqual([]);
  });

  it('refuses metadata it did not write, or a broken entry', () => {
    expect(() => decodeJournal('some-other-tool')).toThrow(JournalError);
    expect(() => decodeJournal('lake1;12:9-3')).toThrow(/malformed/);
    expect(() => decodeJournal('lake1;12:a-3')).toThrow(/malformed/);
  });
});

describe('checkpoint', () => {
  it('commits the next offset when nothing is unsettled', () => {
    expect(checkpointOf(500, [], [e(1, 0, 499, true)])).toEqual({ offset: 500, entries: [] });
  });

  it('stops at the oldest unsettled file and keeps every decided boundary at or past it', () => {
    const decided = [e(2, 10, 40, true), e(3, 60, 80), e(1, 0, 5, true)];
    expect(checkpointOf(100, [50, 60], decided)).toEqual({ offset: 50, entries: [e(3, 60, 80)] });
    expect(checkpointOf(100, [30], decided)).toEqual({ offset: 30, entries: [e(2, 10, 40, true), e(3, 60, 80)] });
  });
});

describe('journal size', () => {
  it('keeps every already-journaled entry and adds new ones, oldest first, while they fit', () => {
    const old = [e(1, 0, 10, true)];
    const fresh = Array.from({ length: 400 }, (_, i) => e(2, 100 + i * 1000, 100 + i * 1000 + 999));
    const { entries, included } = journalWithin([...old, ...fresh], (x) => x.hour === 2, 200);
    expect(entries[0]).toEqual(old[0]);
    expect(encodeJournal(entries).length).toBeLessThanOrEqual(200);
    expect(included).toEqual(fresh.slice(0, included.length));
    expect(included.length).toBeGreaterThan(5);
    expect(journalWithin([...old, ...fresh], (x) => x.hour === 2).included.length).toBeLessThan(400);
    expect(encodeJournal(journalWithin([...old, ...fresh], (x) => x.hour === 2).entries).length).toBeLessThanOrEqual(MAX_METADATA_CHARS);
  });
});
