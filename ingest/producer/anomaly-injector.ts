/**
 * Synthetic anomalous sessions mixed into a click replay (`--anomaly-interval N`).
 *
 * Every N seconds of event time one session is injected, alternately:
 * - HIGH_FREQUENCY: 60 clicks on 60 distinct items, 150 ms apart, starting on
 *   a 10 s boundary, so all fall in one tumbling window (≥ 50) and the
 *   session can never reach BOT_LIKE's 100 clicks;
 * - BOT_LIKE: 120 clicks over 3 items, 400 ms apart, starting on a 30 s
 *   boundary, so exactly one 60 s sliding window holds all of them (≥ 100
 *   clicks, ≤ 5 items) while no 10 s window reaches 50 and the neighbouring
 *   sliding windows hold 75 and 45.
 * Each injection is described (session, type, the one window it must trip)
 * so tests can check detection. Injected clicks are handed out merged in
 * event-time order with the file's clicks, so they never push the
 * detector's watermark ahead of the stream.
 */
import type { ClickEvent } from '../../schemas/index.ts';

export type InjectedAnomalyType = 'HIGH_FREQUENCY' | 'BOT_LIKE';

export interface Injection {
  session_id: number;
  anomaly_type: InjectedAnomalyType;
  /** The window the session must trip, [window_start, window_end), epoch ms. */
  window_start: number;
  window_end: number;
  click_count: number;
  unique_items: number;
}

interface Pattern {
  type: InjectedAnomalyType;
  alignMs: number;
  windowMs: number;
  clicks: number;
  spacingMs: number;
  items: number;
}

const PATTERNS: readonly Pattern[] = [
  { type: 'HIGH_FREQUENCY', alignMs: 10_000, windowMs: 10_000, clicks: 60, spacingMs: 150, items: 60 },
  { type: 'BOT_LIKE', alignMs: 30_000, windowMs: 60_000, clicks: 120, spacingMs: 400, items: 3 },
];

/** Item ids of injected clicks: outside the generator's item range. */
const INJECTED_ITEM_BASE = 990_000_000;

export class AnomalyInjector {
  private readonly intervalMs: number;
  private nextAt: number | undefined;
  private count = 0;
  /** Injected clicks not yet handed out, ascending by timestamp. */
  private pending: ClickEvent[] = [];
  readonly injections: Injection[] = [];

  constructor(
    intervalSeconds: number,
    private readonly sessionIdBase: number,
    private readonly onInjection: (injection: Injection) => void = () => undefined,
  ) {
    this.intervalMs = intervalSeconds * 1000;
  }

  /**
   * Called with each file click's event time before it is sent; returns the
   * injected clicks due at or before it (to be sent first).
   */
  due(timestampMs: number): ClickEvent[] {
    this.nextAt ??= Math.ceil(timestampMs / this.intervalMs) * this.intervalMs;
    while (this.nextAt <= timestampMs) {
      this.inject(this.nextAt);
      this.nextAt += this.intervalMs;
    }
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.timestamp <= timestampMs) n++;
    return n === 0 ? [] : this.pending.splice(0, n);
  }

  /** At end of input: every injected click not yet handed out. */
  drain(): ClickEvent[] {
    return this.pending.splice(0);
  }

  private inject(atMs: number): void {
    const pattern = PATTERNS[this.count % PATTERNS.length]!;
    this.count++;
    const start = Math.ceil(atMs / pattern.alignMs) * pattern.alignMs;
    const sessionId = this.sessionIdBase + Math.floor(start / 1000) * 10 + PATTERNS.indexOf(pattern);
    const itemBase = INJECTED_ITEM_BASE + (pattern.type === 'HIGH_FREQUENCY' ? 0 : 1000);
    for (let i = 0; i < pattern.clicks; i++) {
      this.pending.push({
        session_id: sessionId,
        timestamp: start + i * pattern.spacingMs,
        item_id: itemBase + (i % pattern.items),
        category: '0',
      });
    }
    this.pending.sort((a, b) => a.timestamp - b.timestamp);
    const injection: Injection = {
      session_id: sessionId,
      anomaly_type: pattern.type,
      window_start: start,
      window_end: start + pattern.windowMs,
      click_count: pattern.clicks,
      unique_items: pattern.items,
    };
    this.injections.push(injection);
    this.onInjection(injection);
  }
}
