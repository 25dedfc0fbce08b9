/**
 * Which windows of a rule contain an event time. Integer arithmetic only
 * (`%` on safe integers is exact), so boundaries hold to the millisecond for
 * any epoch time, negative ones included.
 *
 * A click at t belongs to every window with start ≤ t < start + size:
 * starts run from firstWindowStart(t) to alignDown(t, slide), step slide.
 */

/** The largest multiple of `step` that is ≤ value. */
export function alignDown(value: number, step: number): number {
  const rest = value % step;
  return rest < 0 ? value - rest - step : value - rest;
}

/** Start of the earliest window [s, s + sizeMs), s a multiple of slideMs, that contains timeMs. */
export function firstWindowStart(timeMs: number, sizeMs: number, slideMs: number): number {
  return alignDown(timeMs - sizeMs, slideMs) + slideMs;
}

/** Every window start containing timeMs, ascending (allocates: for callers off the hot path). */
export function windowStartsFor(timeMs: number, rule: { sizeMs: number; slideMs: number }): number[] {
  const starts: number[] = [];
  const last = alignDown(timeMs, rule.slideMs);
  for (let start = firstWindowStart(timeMs, rule.sizeMs, rule.slideMs); start <= last; start += rule.slideMs) {
    starts.push(start);
  }
  return starts;
}
