/**
 * The shape of the generated data, calibrated on the published figures of
 * the real YOOCHOOSE set (SPEC §1). Every knob is here, once.
 */

/** Published figures of the real data set. */
export const REAL = {
  clicks: 33_003_944,
  buys: 1_150_753,
  sessions: 9_249_729,
  items: 52_739,
  buyingSessions: 509_696,
  meanClicksPerSession: 3.57,
} as const;

/** Target share of sessions with at least one buy row (509,696 / 9,249,729). */
export const BUYING_SESSION_SHARE = REAL.buyingSessions / REAL.sessions;

/** Mean buy rows per buying session (1,150,753 / 509,696 = 2.26). */
export const MEAN_BUY_ROWS = REAL.buys / REAL.buyingSessions;

/**
 * Session length: fixed shares for 1 and 2 clicks, then a power-law tail
 * 3..MAX_SESSION_CLICKS whose exponent is solved so that the mean is 3.57.
 * Most sessions have 1-3 clicks; a few run to a hundred or more.
 */
export const SESSION_LENGTH = { oneClick: 0.14, twoClicks: 0.3, max: 200, mean: REAL.meanClicksPerSession } as const;

/** Sessions to generate for an approximate click-row target. */
export function sessionsForClicks(clicks: number): number {
  return Math.max(1, Math.round(clicks / SESSION_LENGTH.mean));
}

/** Probability that a click re-views an item already viewed in the session. */
export const REVISIT_PROBABILITY = 0.3;

/** Share of click rows whose category column is `0` (unknown): "roughly two thirds". */
export const UNKNOWN_CATEGORY_SHARE = 0.66;

/** What an item's known category is: special offer, one of 1..12, or a brand. */
export const ITEM_CATEGORY_MIX = { specialOffer: 0.12, numbered: 0.58, brand: 0.3 } as const;

/** Relative popularity of categories 1..12 among numbered items. */
export const NUMBERED_CATEGORY_WEIGHTS = [14, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1] as const;

/** Items per brand, on average. */
export const ITEMS_PER_BRAND = 25;

/**
 * Item popularity: Zipf-Mandelbrot, weight(rank) = (rank + offset)^-exponent,
 * offset = max(2, items / 1000), which gives the most popular item a few
 * tenths of a percent of all clicks at full size, as in the real set.
 */
export const ITEM_POPULARITY = { exponent: 1.0, offsetPerItem: 0.001, minOffset: 2 } as const;

/**
 * Catalogue size: the real 52,739 items at 33M clicks, scaled with the square
 * root of the click count (a small sample still sees many distinct items),
 * never below 500 nor above 52,739.
 */
export function itemCountFor(expectedClicks: number): number {
  const scaled = Math.round(REAL.items * Math.sqrt(Math.min(1, expectedClicks / REAL.clicks)));
  return Math.max(500, Math.min(REAL.items, scaled));
}

/** First item id: real ids are 9-digit numbers around 214,500,000. */
export const ITEM_ID_BASE = 214_500_000;

/** Item base price: log-normal, integer, in the data set's unit. */
export const PRICE = { median: 1_500, sigma: 1.0, min: 1, max: 1_000_000 } as const;

/** Buy-row value mix: share with price and quantity both 0 (unknown), and with only one of them 0. */
export const UNKNOWN_VALUES = { both: 0.4, priceOnly: 0.03, quantityOnly: 0.02 } as const;

/** Quantity when known: 1 mostly, sometimes 2, rarely 3..6. */
export const QUANTITY = { two: 0.1, threeToSix: 0.05 } as const;

/** Share of buy rows whose item was not clicked in the session. */
export const UNCLICKED_BUY_SHARE = 0.1;

/**
 * Buying depends on engagement: P(buy | n clicks) is proportional to
 * min(n, 30)^0.8, scaled so that the overall share is BUYING_SESSION_SHARE.
 */
export const BUY_PROPENSITY = { cap: 30, exponent: 0.8, maxProbability: 0.95 } as const;

/**
 * Gap between two clicks of a session: 1 s plus an exponential with a mean
 * of 35 s (85 %) or 4 min (15 %), at most 30 min. With at least 1 s between
 * clicks, generated sessions can never trip the anomaly rules (50 clicks in
 * 10 s, 100 in 60 s): anomalies come only from injected sessions.
 */
export const CLICK_GAP_MS = { min: 1_000, shortMean: 35_000, longMean: 240_000, longShare: 0.15, max: 1_800_000 } as const;

/** First buy row: 30 s plus an exponential of mean 5 min after the last click; the next rows 0..2 s apart. */
export const BUY_DELAY_MS = { min: 30_000, mean: 300_000, max: 3_600_000, betweenRows: 2_000 } as const;

/** Sessions started per UTC hour, relative (a European shop: quiet at night, busiest in the evening). */
export const HOUR_WEIGHTS = [
  0.3, 0.18, 0.12, 0.09, 0.09, 0.12, 0.25, 0.45, 0.65, 0.8, 0.88, 0.93, //
  0.98, 0.95, 0.93, 0.93, 0.97, 1.04, 1.14, 1.24, 1.26, 1.1, 0.8, 0.5,
] as const;

/** Sessions per weekday, relative, Monday first (Sundays are busiest). */
export const WEEKDAY_WEIGHTS = [1.0, 0.98, 0.97, 0.96, 0.92, 0.94, 1.08] as const;

/** Day-to-day noise: each day's weight is multiplied by a uniform factor in [1 - x, 1 + x]. */
export const DAY_NOISE = 0.08;

/** Session length probabilities, index = clicks (index 0 unused, probability 0). */
export function sessionLengthWeights(): Float64Array {
  const { oneClick, twoClicks, max, mean } = SESSION_LENGTH;
  const tailShare = 1 - oneClick - twoClicks;
  const tailMean = (mean - oneClick - 2 * twoClicks) / tailShare;
  const tailMeanFor = (exponent: number): number => {
    let weight = 0;
    let weighted = 0;
    for (let n = 3; n <= max; n++) {
      const w = n ** -exponent;
      weight += w;
      weighted += n * w;
    }
    return weighted / weight;
  };
  let low = 0;
  let high = 10;
  for (let i = 0; i < 60; i++) {
    const middle = (low + high) / 2;
    if (tailMeanFor(middle) > tailMean) low = middle;
    else high = middle;
  }
  const exponent = (low + high) / 2;
  let tailWeight = 0;
  for (let n = 3; n <= max; n++) tailWeight += n ** -exponent;
  const weights = new Float64Array(max + 1);
  weights[1] = oneClick;
  weights[2] = twoClicks;
  for (let n = 3; n <= max; n++) weights[n] = (tailShare * n ** -exponent) / tailWeight;
  return weights;
}

/** P(buy | n clicks), index = clicks, calibrated against `lengthWeights`. */
export function buyProbabilities(lengthWeights: Float64Array): Float64Array {
  const { cap, exponent, maxProbability } = BUY_PROPENSITY;
  const propensity = (n: number): number => Math.min(n, cap) ** exponent;
  let total = 0;
  let expected = 0;
  for (let n = 1; n < lengthWeights.length; n++) {
    total += lengthWeights[n]!;
    expected += lengthWeights[n]! * propensity(n);
  }
  const scale = (BUYING_SESSION_SHARE * total) / expected;
  const probabilities = new Float64Array(lengthWeights.length);
  for (let n = 1; n < lengthWeights.length; n++) probabilities[n] = Math.min(maxProbability, scale * propensity(n));
  return probabilities;
}
