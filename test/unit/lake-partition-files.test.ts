/**
 * The lake sink's exactly-once bookkeeping, as documentation: which offset
 * is committed while files of several event hours are open, what the
 * journal in the commit metadata says, and — simulated over thousands of
 * random crashes — that every record ends up in exactly one file, and that a
 * file rewritten after a crash has exactly the rows it had before.
 */
import { describe, expect, it } from 'vitest';
import { decodeJournal, encodeJournal, type Checkpoint } from '../../ingest/lake/commit-journal.ts';
import type { ClosePolicy } from '../../ingest/lake/close-policy.ts';
import { PartitionFiles, type LakeFile } from '../../ingest/lake/partition-files.ts';
import { seededUniform } from '../../ingest/generator/prng.ts';

const H = 3_600_000;
const T0 = Date.UTC(2014, 3, 1, 10); // hour 10 of 2014-04-01
const HOUR10 = T0 / H;
const policy: ClosePolicy = { maxRows: 3, maxAgeMs: 60_000, lateGraceMs: 300_000 };

/** Appends (offset, event time) pairs; the row is the offset itself. */
function feed(files: PartitionFiles<number>, records: Array<[number, number]>, wallMs = 0): void {
  for (const [offset, time] of records) files.append(offset, time, offset, wallMs);
}

/** Commits a snapshot the way the sink does: journal first, then the files may be uploaded. */
function commit(files: PartitionFiles<number>): Checkpoint {
  const snap = files.snapshot()!;
  files.markJournaled(snap.newlyJournaled);
  return snap.checkpoint;
}

describe('commit point with several open hours', () => {
  it('stays at the first offset of the oldest file not yet uploaded', () => {
    const files = new PartitionFiles<number>(0, undefined, policy);
    // offsets 0,1 in hour 10; 2,3,4 in hour 11 (closes at 3 rows)
    feed(files, [[0, T0], [1, T0 + 1], [2, T0 + H], [3, T0 + H + 1], [4, T0 + H + 2]]);
    const cp = commit(files);
    expect(cp.offset).toBe(0); // hour 10's file (first offset 0) is still open
    expect(cp.entries).toEqual([{ hour: HOUR10 + 1, first: 2, last: 4, durable: false }]);
    const [hour11] = files.uploadable();
    expect(hour11!.rows).toEqual([2, 3, 4]);

    files.markDurable(hour11!);
    const after = commit(files);
    expect(after.offset).toBe(0); // uploading hour 11 does not move the point past hour 10's open file
    expect(after.entries).toEqual([{ hour: HOUR10 + 1, first: 2, last: 4, durable: true }]);

    // a late hour-10 record fills hour 10's file (0, 1, 5 → closes at 3 rows); 6 opens a new one
    feed(files, [[5, T0 + 2], [6, T0 + 3]]);
    const third = commit(files);
    expect(third.offset).toBe(0);
    expect(third.entries).toEqual([
      { hour: HOUR10, first: 0, last: 5, durable: false },
      { hour: HOUR10 + 1, first: 2, last: 4, durable: true },
    ]);
    const hour10 = files.uploadable().find((f) => f.hour === HOUR10)!;
    expect(hour10.rows).toEqual([0, 1, 5]);
    files.markDurable(hour10);
    const fourth = commit(files);
    expect(fourth.offset).toBe(6); // the open file starting at 6 is now the oldest unsettled one
    expect(fourth.entries).toEqual([]); // both decided files end below 6: pruned
  });

  it('commits past everything once all files are uploaded', () => {
    const files = new PartitionFiles<number>(0, undefined, { ...policy, maxRows: 2 });
    feed(files, [[10, T0], [11, T0]]);
    commit(files);
    for (const f of files.uploadable()) files.markDurable(f);
    expect(commit(files)).toEqual({ offset: 12, entries: [] });
  });

  it('never uploads a file before a commit journaled its boundary', () => {
    const files = new PartitionFiles<number>(0, undefined, policy);
    feed(files, [[0, T0], [1, T0], [2, T0]]);
    expect(files.uploadable()).toEqual([]);
    commit(files);
    expect(files.uploadable().map((f) => f.rows)).toEqual([[0, 1, 2]]);
  });
});

describe('restart from a checkpoint', () => {
  it('skips uploaded files, rebuilds journaled ones exactly, and decides the rest anew', () => {
    // Before the crash: hour 10 open from offset 0; hour 11 file [2..4] uploaded; hour 12 file [6..8] journaled, maybe uploaded.
    const checkpoint: Checkpoint = {
      offset: 0,
      entries: [
        { hour: HOUR10 + 1, first: 2, last: 4, durable: true },
        { hour: HOUR10 + 2, first: 6, last: 8, durable: false },
      ],
    };
    const restored = decodeJournal(encodeJournal(checkpoint.entries));
    expect(restored).toEqual(checkpoint.entries);
    // A different (larger) row limit after the restart must not change journaled boundaries.
    const files = new PartitionFiles<number>(0, { offset: 0, entries: restored }, { ...policy, maxRows: 100 });
    feed(files, [
      [0, T0], [1, T0],
      [2, T0 + H], [3, T0 + H], [4, T0 + H],
      [5, T0],
      [6, T0 + 2 * H], [7, T0 + 2 * H], [8, T0 + 2 * H],
      [9, T0 + 2 * H],
    ]);
    expect(files.skipped).toBe(3);
    const snap = files.snapshot()!;
    const rebuilt = files.uploadable();
    expect(rebuilt.map((f) => [f.hour, f.firstOffset, f.rows])).toEqual([[HOUR10 + 2, 6, [6, 7, 8]]]);
    expect(snap.checkpoint.offset).toBe(0);
    files.closeAll('shutdown');
    const closed = snap.newlyJournaled.length === 0 ? files.snapshot()!.newlyJournaled : snap.newlyJournaled;
    expect(closed.map((f) => [f.hour, f.firstOffset, f.rows]).sort()).toEqual([
      [HOUR10, 0, [0, 1, 5]],
      [HOUR10 + 2, 9, [9]],
    ].sort());
  });

  it('skips records below the committed offset', () => {
    const files = new PartitionFiles<number>(0, { offset: 5, entries: [] }, policy);
    feed(files, [[3, T0], [4, T0], [5, T0]]);
    files.closeAll('shutdown');
    expect(commit(files).offset).toBe(5);
    expect(files.uploadable().map((f) => f.rows)).toEqual([[5]]);
  });

  it('keeps a file being rebuilt open at shutdown rather than cut it short', () => {
    const files = new PartitionFiles<number>(0, { offset: 0, entries: [{ hour: HOUR10, first: 0, last: 3, durable: false }] }, policy);
    feed(files, [[0, T0], [1, T0]]);
    expect(files.closeAll('shutdown')).toBe(0);
    expect(files.closeDue(1e12)).toBe(0);
    expect(commit(files)).toEqual({ offset: 0, entries: [{ hour: HOUR10, first: 0, last: 3, durable: false }] });
  });
});

describe('close policy inside a partition', () => {
  it('closes by age and by event time, never mixing hours', () => {
    const files = new PartitionFiles<number>(0, undefined, { maxRows: 1000, maxAgeMs: 60_000, lateGraceMs: 300_000 });
    files.append(0, T0, 0, 1_000);
    files.append(1, T0 + H, 1, 30_000);
    expect(files.closeDue(60_999)).toBe(0);
    expect(files.closeDue(61_000)).toBe(1); // hour 10 opened at 1 000 ms
    files.append(2, T0 + 2 * H + 300_000, 2, 61_000); // hour 11 ended 5 min ago in event time
    expect(files.closeDue(61_000)).toBe(1);
    commit(files);
    expect(files.uploadable().map((f) => [f.hour - HOUR10, f.rows, f.closeReason])).toEqual([
      [0, [0], 'age'],
      [1, [1], 'event-time'],
    ]);
  });
});

// ---- simulation ----------------------------------------------------------------------------


/** A partition's records: event hours mostly moving forward, 15 % late by up to 3 hours. */
function stream(rand: () => number, n: number): number[] {
  const times: number[] = [];
  let hour = 0;
  for (let i = 0; i < n; i++) {
    if (rand() < 0.01) hour++;
    const late = rand() < 0.15 ? Math.floor(rand() * 4) : 0;
    times.push(T0 + (hour - late) * H + Math.floor(rand() * H));
  }
  return times;
}

class Crash extends Error {}

/**
 * One seed: a partition of `n` records consumed by a sink that crashes at
 * random points (mid-batch, after a journal commit, between uploads), with a
 * random close policy per restart and random wall-clock jumps. The lake is a
 * map key → rows; the committed offset and metadata are the only state that
 * survives a crash.
 */
function simulate(seed: number, n: number): { lake: Map<string, number[]>; crashes: number; overwrites: number } {
  const rand = seededUniform(seed);
  const times = stream(rand, n);
  const lake = new Map<string, number[]>();
  let committed: { offset: number; metadata: string } | undefined;
  let crashes = 0;
  let overwrites = 0;
  const keyOf = (f: LakeFile<number>) => `${f.hour}+${f.firstOffset}`;
  const maybeCrash = (p: number) => {
    if (crashes < 40 && rand() < p) throw new Crash();
  };

  for (;;) {
    const files = new PartitionFiles<number>(
      0,
      committed ? { offset: committed.offset, entries: decodeJournal(committed.metadata) } : undefined,
      { maxRows: 5 + Math.floor(rand() * 60), maxAgeMs: 1000 + Math.floor(rand() * 5000), lateGraceMs: Math.floor(rand() * 2 * H) },
    );
    let wall = 0;
    const flush = () => {
      const snap = files.snapshot();
      if (!snap) return;
      maybeCrash(0.02);
      committed = { offset: snap.checkpoint.offset, metadata: encodeJournal(snap.checkpoint.entries) };
      files.markJournaled(snap.newlyJournaled);
      maybeCrash(0.02);
      for (const f of files.uploadable()) {
        if (rand() < 0.3) continue; // some uploads still in flight
        const previous = lake.get(keyOf(f));
        if (previous) {
          overwrites++;
          expect(f.rows, `rewrite of ${keyOf(f)} must be identical`).toEqual(previous);
        }
        for (const row of f.rows) expect(Math.floor(times[row]! / H)).toBe(f.hour);
        lake.set(keyOf(f), [...f.rows]);
        maybeCrash(0.01);
        files.markDurable(f);
      }
    };
    try {
      for (let offset = committed?.offset ?? 0; offset < n; offset++) {
        files.append(offset, times[offset]!, offset, wall);
        if (rand() < 0.02) maybeCrash(0.05);
        if (rand() < 0.05) {
          wall += Math.floor(rand() * 3000);
          files.closeDue(wall);
        }
        if (rand() < 0.005) files.closeOldest('pressure');
        if (rand() < 0.05) flush();
      }
      files.closeAll('shutdown');
      for (let i = 0; i < 100 && (files.pendingFiles() > 0 || files.openFiles() > 0); i++) flush();
      flush();
      expect(files.openFiles()).toBe(0);
      expect(files.pendingFiles()).toBe(0);
      expect(committed?.offset).toBe(n);
      return { lake, crashes, overwrites };
    } catch (error) {
      if (!(error instanceof Crash)) throw error;
      crashes++;
    }
  }
}

describe('exactly once under random crashes (simulation)', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: every offset in exactly one file, files of one hour, rewrites identical', (seed) => {
    const n = 3000;
    const { lake, crashes, overwrites } = simulate(seed, n);
    expect(crashes).toBeGreaterThan(5);
    const seen = new Map<number, number>();
    for (const [key, rows] of lake) {
      const first = Number(key.split('+')[1]);
      expect(Math.min(...rows)).toBe(first);
      expect(rows).toEqual([...rows].sort((a, b) => a - b));
      for (const offset of rows) seen.set(offset, (seen.get(offset) ?? 0) + 1);
    }
    expect(seen.size).toBe(n);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    expect(overwrites).toBeGreaterThanOrEqual(0);
  });
});
