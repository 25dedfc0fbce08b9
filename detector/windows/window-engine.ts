/**
 * The event-time windowing engine of the anomaly detector (SPEC §3): pure,
 * I/O-free, deterministic. What it guarantees, to the millisecond:
 *
 * Windows. Each rule of the table has windows [k·slide, k·slide + size) per
 * session_id, k any integer, aligned to the Unix epoch; tumbling is
 * slide = size, same code path. A click at t is in every window with
 * start ≤ t < end: with 10 s windows t = k·10 s opens [k·10 s, (k+1)·10 s) and
 * t = k·10 s − 1 ms is in the previous one; with 60 s / 30 s a click at 45 s is
 * in [0, 60 s) and [30 s, 90 s).
 *
 * Watermark. W = (largest event time seen, the current click included) −
 * watermarkDelayMs. It never goes back, and it moves inside add(), click by
 * click, never in advance(): every decision depends only on the sequence of
 * clicks, not on how that sequence is cut into batches.
 *
 * Final. A window [start, end) is final exactly when W ≥ end, i.e. once a
 * click with t ≥ end + delay has been seen (default delay 10 s: [0, 10 s) is
 * still open at max event time 19.999 s and final at 20.000 s).
 *
 * Late, per window. A click is counted in each of its windows that is not
 * final, and skipped (counters.lateMemberships[type] += 1) in each that is.
 * If it is counted in no window of any rule, add() returns 'late' and
 * counters.lateClicks += 1; otherwise 'accepted'. So with 60/30 s windows a
 * click at 45 s arriving when [0, 60 s) is final but [30 s, 90 s) is not
 * counts in [30 s, 90 s) only.
 *
 * Emission, exactly once. A window is closed the moment it becomes final
 * (inside the add() that moves W past its end): its condition is evaluated,
 * its state freed, and, if anomalous, its row queued. advance() hands the
 * queue over and empties it, so each row comes out once however often it is
 * called. Rows come in the order (window_end, rule-table order, session_id,
 * window_start); since W only grows, concatenating the advance() results of
 * any batch split gives the same list as one uninterrupted run. A session
 * that trips two rules yields one row per rule and window.
 *
 * End of input. flushAll() treats W as +∞: it closes every open window and
 * returns the queue plus their rows; every later click is late.
 *
 * State. Only open windows are kept (openWindowCount()): a window is detached
 * the moment it is final and its object recycled (a pool of at most
 * POOL_LIMIT objects, never part of the state). Due windows are found through
 * buckets by end (deadline-buckets.ts), so closing costs O(windows closed),
 * never a scan of the state. Distinct items are exact (see open-window.ts).
 * snapshot()/restore() turn the whole state (open windows with counts and
 * distinct items, max event time, counters, rows not yet handed out) into
 * canonical JSON and back, so the caller can store it with the committed
 * offsets in one transaction; restore + the same remaining input gives the
 * same output as no restart.
 *
 * Session ids are JS numbers and must be safe integers (avsc's default long
 * decoding; YOOCHOOSE ids are < 2^24, which also keeps Map keys small
 * integers). A non-integer session id, time or item id is a decoding bug and
 * throws InputError (bad rows are dead-lettered before they get here).
 */
import { InputError } from '../../lib/errors.ts';
import { alignDown } from './window-assignment.ts';
import { DeadlineBuckets } from './deadline-buckets.ts';
import { OpenWindow } from './open-window.ts';
import { parseSnapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, SnapshotError, type SnapshotWindow, type WindowEngineSnapshot } from './snapshot.ts';
import type { AddResult, Click, EmittedAnomaly, WindowEngineCounters } from './types.ts';
import { validateWindowRules, type WindowRule, type WindowStats } from './window-rule.ts';

export interface WindowEngineOptions {
  /** Watermark = largest event time − this (non-negative integer ms; the detector's default is in detector/rules.ts). */
  watermarkDelayMs: number;
}

export interface WindowEngineStats<T extends string = string> extends WindowEngineCounters<T> {
  /** Largest event time seen; null before the first click. */
  maxEventTimeMs: number | null;
  /** maxEventTimeMs − delay; null before the first click. */
  watermarkMs: number | null;
  /** flushAll() was called. */
  ended: boolean;
  openWindows: number;
  openSessions: number;
  /** Rows produced but not yet handed out by advance(). */
  pendingAnomalies: number;
}

export interface WindowEngine<T extends string = string> {
  /** Counts one click (see the module doc for 'late'). */
  add(click: Click): AddResult;
  /** add() without the object, for hot loops. */
  addClick(sessionId: number, timestampMs: number, itemId: number): AddResult;
  /** Rows of windows that became final since the last call, in emission order; each row once. */
  advance(): EmittedAnomaly<T>[];
  /** End of input: closes every open window; returns advance()'s rows followed by theirs. */
  flushAll(): EmittedAnomaly<T>[];
  /** Current watermark (ms), null before the first click. */
  watermarkMs(): number | null;
  openWindowCount(): number;
  stats(): WindowEngineStats<T>;
  /** Canonical JSON-serialisable copy of the state. */
  snapshot(): WindowEngineSnapshot;
  /** Replaces the whole state by a snapshot (e.g. JSON.parse of a stored one); throws SnapshotError. */
  restore(snapshot: unknown): void;
}

interface CompiledRule<T extends string> {
  readonly type: T;
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly condition: (stats: WindowStats) => boolean;
}

/** Closed windows kept for reuse: bounds the pool, so a traffic peak does not pin memory for ever. */
const POOL_LIMIT = 65_536;

const emissionOrder = (a: OpenWindow, b: OpenWindow): number =>
  a.endMs - b.endMs || a.ruleIndex - b.ruleIndex || a.sessionId - b.sessionId || a.startMs - b.startMs;

export function createWindowEngine<T extends string>(
  ruleTable: readonly WindowRule<T>[],
  options: WindowEngineOptions,
): WindowEngine<T> {
  validateWindowRules(ruleTable);
  const delay = options.watermarkDelayMs;
  if (!Number.isSafeInteger(delay) || delay < 0) {
    throw new InputError(`must be a non-negative integer, got ${String(delay)}`, { source: 'window engine options', field: 'watermarkDelayMs' });
  }
  const rules: CompiledRule<T>[] = ruleTable.map(({ type, sizeMs, slideMs, condition }) => ({ type, sizeMs, slideMs, condition }));
  const ruleCount = rules.length;
  const geometry = rules.map(({ type, sizeMs, slideMs }) => ({ type, sizeMs, slideMs }));

  // --- state (everything below is in the snapshot) ---
  /** Open windows per session, any rule: head of a linked list of a handful, newest first. */
  let sessions = new Map<number, OpenWindow>();
  /** The same windows, by end. */
  let deadlines = new DeadlineBuckets<OpenWindow>();
  let maxEventTimeMs = -Infinity;
  /** Windows with end ≤ finalThrough are final: the watermark, or +∞ after flushAll(). */
  let finalThrough = -Infinity;
  let openWindows = 0;
  let pending: EmittedAnomaly<T>[] = [];
  let acceptedClicks = 0;
  let lateClicks = 0;
  let windowsClosed = 0;
  let anomaliesEmitted = 0;
  let lateMemberships: number[] = new Array<number>(ruleCount).fill(0);

  /** Reused for every condition call (documented as valid only during the call). */
  const scratch = { clickCount: 0, uniqueItems: 0 };
  /** Closed windows kept for reuse (not state: never in a snapshot), at most POOL_LIMIT. */
  const pool: OpenWindow[] = [];

  function invalid(field: string, value: number): never {
    throw new InputError(`must be a safe integer, got ${String(value)}`, { source: 'window engine click', field });
  }

  function addClick(sessionId: number, timestampMs: number, itemId: number): AddResult {
    if (!Number.isSafeInteger(sessionId)) invalid('sessionId', sessionId);
    if (!Number.isSafeInteger(timestampMs)) invalid('timestampMs', timestampMs);
    if (!Number.isSafeInteger(itemId)) invalid('itemId', itemId);

    if (timestampMs > maxEventTimeMs) {
      maxEventTimeMs = timestampMs;
      const watermark = timestampMs - delay;
      if (watermark > finalThrough) {
        finalThrough = watermark;
        if (deadlines.nextDeadline() <= watermark) closeThrough(watermark);
      }
    }

    let head: OpenWindow | undefined;
    let counted = false;
    for (let r = 0; r < ruleCount; r++) {
      const { sizeMs, slideMs } = rules[r]!;
      const lastStart = alignDown(timestampMs, slideMs);
      for (let start = alignDown(timestampMs - sizeMs, slideMs) + slideMs; start <= lastStart; start += slideMs) {
        const end = start + sizeMs;
        if (end <= finalThrough) {
          lateMemberships[r]!++;
          continue;
        }
        if (head === undefined) head = sessions.get(sessionId);
        let window: OpenWindow | null = head ?? null;
        while (window !== null && (window.startMs !== start || window.ruleIndex !== r)) window = window.next;
        if (window === null) {
          window = open(sessionId, r, start, end);
          window.next = head ?? null;
          sessions.set(sessionId, window);
          head = window;
        }
        window.add(itemId);
        counted = true;
      }
    }
    if (counted) acceptedClicks++;
    else lateClicks++;
    return counted ? 'accepted' : 'late';
  }

  function open(sessionId: number, ruleIndex: number, startMs: number, endMs: number): OpenWindow {
    const recycled = pool.pop();
    let window: OpenWindow;
    if (recycled !== undefined) {
      recycled.reset(sessionId, ruleIndex, startMs, endMs);
      window = recycled;
    } else {
      window = new OpenWindow(sessionId, ruleIndex, startMs, endMs);
    }
    deadlines.add(endMs, window);
    openWindows++;
    return window;
  }

  /** Closes every window with end ≤ limit, bucket by bucket in end order, queueing anomalous ones. */
  function closeThrough(limit: number): void {
    for (let due = deadlines.takeDue(limit); due !== undefined; due = deadlines.takeDue(limit)) {
      const anomalous: OpenWindow[] = [];
      for (const window of due.values) {
        detach(window);
        scratch.clickCount = window.clickCount;
        scratch.uniqueItems = window.uniqueItems();
        if (rules[window.ruleIndex]!.condition(scratch)) anomalous.push(window);
      }
      windowsClosed += due.values.length;
      openWindows -= due.values.length;
      anomalous.sort(emissionOrder);
      for (const window of anomalous) {
        pending.push({
          sessionId: window.sessionId,
          anomalyType: rules[window.ruleIndex]!.type,
          windowStartMs: window.startMs,
          windowEndMs: window.endMs,
          clickCount: window.clickCount,
          uniqueItems: window.uniqueItems(),
        });
      }
      anomaliesEmitted += anomalous.length;
      for (const window of due.values) if (pool.length < POOL_LIMIT) pool.push(window);
    }
  }

  /** Unlinks a window from its session's list, dropping the session when it was the last one. */
  function detach(window: OpenWindow): void {
    const head = sessions.get(window.sessionId)!;
    if (head === window) {
      if (window.next === null) sessions.delete(window.sessionId);
      else sessions.set(window.sessionId, window.next);
    } else {
      let previous = head;
      while (previous.next !== window) previous = previous.next!;
      previous.next = window.next;
    }
    window.next = null;
  }

  function advance(): EmittedAnomaly<T>[] {
    const out = pending;
    pending = [];
    return out;
  }

  function counters(): WindowEngineCounters<T> {
    const late = {} as Record<T, number>;
    rules.forEach((rule, r) => (late[rule.type] = lateMemberships[r]!));
    return { acceptedClicks, lateClicks, lateMemberships: late, windowsClosed, anomaliesEmitted };
  }

  function snapshot(): WindowEngineSnapshot {
    const open: OpenWindow[] = [];
    for (const head of sessions.values()) for (let w: OpenWindow | null = head; w !== null; w = w.next) open.push(w);
    open.sort((a, b) => a.sessionId - b.sessionId || a.ruleIndex - b.ruleIndex || a.startMs - b.startMs);
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      rules: geometry.map((rule) => ({ ...rule })),
      watermarkDelayMs: delay,
      maxEventTimeMs: Number.isFinite(maxEventTimeMs) ? maxEventTimeMs : null,
      ended: finalThrough === Infinity,
      counters: counters(),
      windows: open.map((w): SnapshotWindow => [w.sessionId, rules[w.ruleIndex]!.type, w.startMs, w.clickCount, w.itemList()]),
      pending: pending.map((row) => ({ ...row })),
    };
  }

  function restore(value: unknown): void {
    const s = parseSnapshot(value, { rules: geometry, watermarkDelayMs: delay });
    const ruleIndex = new Map(rules.map((rule, r) => [rule.type as string, r]));
    const nextMax = s.maxEventTimeMs ?? -Infinity;
    const nextFinalThrough = s.ended ? Infinity : nextMax - delay;
    const nextSessions = new Map<number, OpenWindow>();
    const nextDeadlines = new DeadlineBuckets<OpenWindow>();
    for (const [sessionId, type, startMs, clickCount, items] of s.windows) {
      const r = ruleIndex.get(type)!;
      const endMs = startMs + rules[r]!.sizeMs;
      if (endMs <= nextFinalThrough) throw new SnapshotError(`invalid window engine snapshot: window ${type} ${sessionId}@${startMs} is final but still open`);
      const head = nextSessions.get(sessionId) ?? null;
      for (let w = head; w !== null; w = w.next) {
        if (w.ruleIndex === r && w.startMs === startMs) {
          throw new SnapshotError(`invalid window engine snapshot: window ${type} ${sessionId}@${startMs} appears twice`);
        }
      }
      const window = new OpenWindow(sessionId, r, startMs, endMs);
      window.load(clickCount, items);
      window.next = head;
      nextSessions.set(sessionId, window);
      nextDeadlines.add(endMs, window);
    }
    sessions = nextSessions;
    deadlines = nextDeadlines;
    openWindows = s.windows.length;
    maxEventTimeMs = nextMax;
    finalThrough = nextFinalThrough;
    pending = s.pending.map((row) => ({ ...row }) as EmittedAnomaly<T>);
    acceptedClicks = s.counters.acceptedClicks;
    lateClicks = s.counters.lateClicks;
    windowsClosed = s.counters.windowsClosed;
    anomaliesEmitted = s.counters.anomaliesEmitted;
    lateMemberships = rules.map((rule) => (s.counters.lateMemberships as Record<string, number>)[rule.type]!);
  }

  return {
    add: (click) => addClick(click.sessionId, click.timestampMs, click.itemId),
    addClick,
    advance,
    flushAll() {
      finalThrough = Infinity;
      closeThrough(Infinity);
      return advance();
    },
    watermarkMs: () => (Number.isFinite(maxEventTimeMs) ? maxEventTimeMs - delay : null),
    openWindowCount: () => openWindows,
    stats: () => ({
      ...counters(),
      maxEventTimeMs: Number.isFinite(maxEventTimeMs) ? maxEventTimeMs : null,
      watermarkMs: Number.isFinite(maxEventTimeMs) ? maxEventTimeMs - delay : null,
      ended: finalThrough === Infinity,
      openWindows,
      openSessions: sessions.size,
      pendingAnomalies: pending.length,
    }),
    snapshot,
    restore,
  };
}
