/** Input and output records of the window engine. */

/** One click as the engine needs it (decoded from `ClickEvent`). */
export interface Click {
  /** Safe integer (|id| ≤ 2^53 − 1): avsc decodes Avro `long` to a JS number and refuses larger values. */
  readonly sessionId: number;
  /** Event time, ms since the Unix epoch (safe integer). */
  readonly timestampMs: number;
  /** Safe integer. */
  readonly itemId: number;
}

/** `accepted`: counted in at least one open window; `late`: every window it belongs to was final, so it was dropped. */
export type AddResult = 'accepted' | 'late';

/** One anomaly row (SPEC §3) without detected_at, which the caller stamps (processing time). */
export interface EmittedAnomaly<T extends string = string> {
  readonly sessionId: number;
  readonly anomalyType: T;
  /** Inclusive, ms since the epoch. */
  readonly windowStartMs: number;
  /** Exclusive, ms since the epoch. */
  readonly windowEndMs: number;
  readonly clickCount: number;
  readonly uniqueItems: number;
}

/** Cumulative counters; part of the snapshot, so they survive restarts. */
export interface WindowEngineCounters<T extends string = string> {
  /** Clicks counted in at least one window. */
  acceptedClicks: number;
  /** Clicks dropped entirely: every window of every rule they belong to was final. */
  lateClicks: number;
  /**
   * Per rule: (click, window) memberships skipped because that window was
   * final. A click late for one sliding window but on time for the next adds
   * 1 here and is still an accepted click.
   */
  lateMemberships: Record<T, number>;
  /** Windows that became final and were freed (anomalous or not). */
  windowsClosed: number;
  /** Anomaly rows produced (handed out by advance()/flushAll() or still pending). */
  anomaliesEmitted: number;
}
