/**
 * The anomaly rules of SPEC §3 as one declarative table, and the detector's
 * settings with SPEC §3's values as defaults. The running detector reads them
 * from the configuration (DETECTOR_* in lib/config.ts, whose defaults
 * test/unit/detector-config.test.ts keeps equal to these). A new rule is
 * one more row: a type, a window geometry and a condition on the window's
 * click count and distinct items. Table order is also the tie-break order of
 * rows with the same window end.
 */
import type { WindowRule } from './windows/index.ts';

export type AnomalyType = 'HIGH_FREQUENCY' | 'BOT_LIKE';

export interface DetectorSettings {
  /** HIGH_FREQUENCY tumbling window length, ms. @default 10_000 */
  readonly highFrequencyWindowMs: number;
  /** HIGH_FREQUENCY fires when a window has at least this many clicks. @default 50 */
  readonly highFrequencyMinClicks: number;
  /** BOT_LIKE window length, ms. @default 60_000 */
  readonly botLikeWindowMs: number;
  /** BOT_LIKE distance between window starts, ms. @default 30_000 */
  readonly botLikeSlideMs: number;
  /** BOT_LIKE needs at least this many clicks... @default 100 */
  readonly botLikeMinClicks: number;
  /** ...and at most this many distinct items. @default 5 */
  readonly botLikeMaxUniqueItems: number;
  /** Watermark = largest event time seen − this, ms. @default 10_000 */
  readonly watermarkDelayMs: number;
}

export const DEFAULT_DETECTOR_SETTINGS: DetectorSettings = Object.freeze({
  highFrequencyWindowMs: 10_000,
  highFrequencyMinClicks: 50,
  botLikeWindowMs: 60_000,
  botLikeSlideMs: 30_000,
  botLikeMinClicks: 100,
  botLikeMaxUniqueItems: 5,
  watermarkDelayMs: 10_000,
});

/** The rule table for the given settings (SPEC §3 with the defaults). */
export function anomalyRules(settings: DetectorSettings = DEFAULT_DETECTOR_SETTINGS): WindowRule<AnomalyType>[] {
  const s = settings;
  return [
    {
      type: 'HIGH_FREQUENCY',
      sizeMs: s.highFrequencyWindowMs,
      slideMs: s.highFrequencyWindowMs,
      condition: ({ clickCount }) => clickCount >= s.highFrequencyMinClicks,
    },
    {
      type: 'BOT_LIKE',
      sizeMs: s.botLikeWindowMs,
      slideMs: s.botLikeSlideMs,
      condition: ({ clickCount, uniqueItems }) => clickCount >= s.botLikeMinClicks && uniqueItems <= s.botLikeMaxUniqueItems,
    },
  ];
}
