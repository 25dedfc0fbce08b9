/**
 * The JSON form of the engine's state, to be stored with the committed Kafka
 * offsets in one PostgreSQL transaction. Plain JSON: numbers (safe integers),
 * strings, booleans, null, arrays, objects. Canonical: the same state always
 * gives the same snapshot (windows sorted by session, rule order, start;
 * items ascending).
 *
 * A snapshot records the rule geometry (type, size, slide) and the watermark
 * delay; restoring into an engine whose geometry or delay differ is refused
 * (the windows would mean something else). Thresholds may change between
 * runs: conditions are evaluated when a window becomes final.
 */
import { GuardianError } from '../../lib/errors.ts';
import type { EmittedAnomaly, WindowEngineCounters } from './types.ts';

export const SNAPSHOT_FORMAT = 'clickstream-guardian.window-engine';
export const SNAPSHOT_VERSION = 1;

/** One open window: [session_id, anomaly_type, window_start_ms, click_count, distinct item ids ascending]. */
export type SnapshotWindow = [sessionId: number, anomalyType: string, windowStartMs: number, clickCount: number, items: number[]];

export interface WindowEngineSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  rules: { type: string; sizeMs: number; slideMs: number }[];
  watermarkDelayMs: number;
  /** Largest event time seen; null before the first click. */
  maxEventTimeMs: number | null;
  /** flushAll() was called: the watermark is +∞. */
  ended: boolean;
  counters: WindowEngineCounters;
  windows: SnapshotWindow[];
  /** Anomalies produced but not yet handed out by advance(). */
  pending: EmittedAnomaly[];
}

/** A snapshot that is malformed or belongs to a different rule geometry. */
export class SnapshotError extends GuardianError {}

const isInt = (value: unknown): value is number => Number.isSafeInteger(value);
const isCount = (value: unknown): value is number => isInt(value) && value >= 0;

/** Checks a parsed JSON value against the snapshot shape and the engine's rules; throws SnapshotError. */
export function parseSnapshot(
  value: unknown,
  expected: { rules: readonly { type: string; sizeMs: number; slideMs: number }[]; watermarkDelayMs: number },
): WindowEngineSnapshot {
  const fail = (why: string): never => {
    throw new SnapshotError(`invalid window engine snapshot: ${why}`);
  };
  if (typeof value !== 'object' || value === null) fail('not an object');
  const s = value as Partial<WindowEngineSnapshot>;
  if (s.format !== SNAPSHOT_FORMAT || s.version !== SNAPSHOT_VERSION) fail(`unknown format ${String(s.format)} v${String(s.version)}`);
  const geometry = (rules: readonly { type: string; sizeMs: number; slideMs: number }[]) =>
    JSON.stringify(rules.map(({ type, sizeMs, slideMs }) => [type, sizeMs, slideMs]));
  if (!Array.isArray(s.rules) || geometry(s.rules) !== geometry(expected.rules)) {
    fail(`rule geometry differs: snapshot ${JSON.stringify(s.rules)}, engine ${geometry(expected.rules)}`);
  }
  if (s.watermarkDelayMs !== expected.watermarkDelayMs) {
    fail(`watermark delay differs: snapshot ${String(s.watermarkDelayMs)} ms, engine ${expected.watermarkDelayMs} ms`);
  }
  if (s.maxEventTimeMs !== null && !isInt(s.maxEventTimeMs)) fail('maxEventTimeMs');
  if (typeof s.ended !== 'boolean') fail('ended');
  const c = s.counters;
  if (
    typeof c !== 'object' || c === null ||
    !isCount(c.acceptedClicks) || !isCount(c.lateClicks) || !isCount(c.windowsClosed) || !isCount(c.anomaliesEmitted) ||
    typeof c.lateMemberships !== 'object' || c.lateMemberships === null ||
    !expected.rules.every((rule) => isCount((c.lateMemberships as Record<string, unknown>)[rule.type]))
  ) {
    fail('counters');
  }
  const slideOf = new Map(expected.rules.map((rule) => [rule.type, rule.slideMs]));
  if (!Array.isArray(s.windows)) fail('windows');
  for (const w of s.windows!) {
    const ok =
      Array.isArray(w) && w.length === 5 && isInt(w[0]) && isInt(w[2]) && isCount(w[3]) && Array.isArray(w[4]) &&
      slideOf.has(w[1]) && w[2] % slideOf.get(w[1])! === 0 &&
      w[4].length >= 1 && w[4].length <= w[3] && w[4].every((item, i) => isInt(item) && (i === 0 || item > w[4][i - 1]!));
    if (!ok) fail(`window ${JSON.stringify(w).slice(0, 200)}`);
  }
  if (!Array.isArray(s.pending)) fail('pending');
  for (const row of s.pending!) {
    const ok =
      typeof row === 'object' && row !== null && isInt(row.sessionId) && slideOf.has(row.anomalyType) &&
      isInt(row.windowStartMs) && isInt(row.windowEndMs) && isCount(row.clickCount) && isCount(row.uniqueItems);
    if (!ok) fail(`pending row ${JSON.stringify(row).slice(0, 200)}`);
  }
  return s as WindowEngineSnapshot;
}
