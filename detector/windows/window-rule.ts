/**
 * A windowed rule: one row of the detector's rule table.
 *
 * A rule's windows are [k·slideMs, k·slideMs + sizeMs) for every integer k,
 * per session, aligned to the Unix epoch. Tumbling windows are the case
 * slideMs = sizeMs; there is no other code path for them.
 */
import { ConfigError } from '../../lib/errors.ts';

/** What a rule's condition sees of one final window. */
export interface WindowStats {
  /** Clicks counted in the window (late clicks excluded). */
  readonly clickCount: number;
  /** Exact number of distinct item ids among those clicks. */
  readonly uniqueItems: number;
}

export interface WindowRule<T extends string = string> {
  /** The anomaly type written to the output row; unique within a table. */
  readonly type: T;
  /** Window length in ms (positive integer). */
  readonly sizeMs: number;
  /** Distance between consecutive window starts in ms; 0 < slideMs ≤ sizeMs. */
  readonly slideMs: number;
  /**
   * True when a final window is an anomaly. Must be pure; evaluated once per
   * window, when it becomes final. The stats object is only valid during the call.
   */
  readonly condition: (stats: WindowStats) => boolean;
}

/** Throws a ConfigError naming every problem of a rule table. */
export function validateWindowRules(rules: readonly WindowRule[]): void {
  const problems: string[] = [];
  if (rules.length === 0) problems.push('the rule table is empty');
  const seen = new Set<string>();
  for (const rule of rules) {
    const name = rule.type || '(no type)';
    if (typeof rule.type !== 'string' || rule.type.length === 0) problems.push('a rule has no type');
    if (seen.has(rule.type)) problems.push(`${name}: duplicate type`);
    seen.add(rule.type);
    if (!Number.isSafeInteger(rule.sizeMs) || rule.sizeMs <= 0) problems.push(`${name}: sizeMs must be a positive integer`);
    if (!Number.isSafeInteger(rule.slideMs) || rule.slideMs <= 0) problems.push(`${name}: slideMs must be a positive integer`);
    else if (rule.slideMs > rule.sizeMs) problems.push(`${name}: slideMs > sizeMs would leave clicks in no window`);
    if (typeof rule.condition !== 'function') problems.push(`${name}: condition must be a function`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid window rules: ${problems.join('; ')}`);
}
