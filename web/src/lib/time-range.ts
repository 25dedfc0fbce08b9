/**
 * "The last N hours" of the data clock (SPEC §7) as the instant range the
 * gateway's `from`/`to` arguments take: window starts in
 * (clock − N h, clock], i.e. `from` = clock − N h + 1 ms, `to` = clock + 1 ms
 * (`to` is exclusive). Shared with the end-to-end tests.
 */
export function lastHoursOfClock(clockIso: string, hours: number): { from: string; to: string } {
  const clock = Date.parse(clockIso);
  return { from: new Date(clock - hours * 3_600_000 + 1).toISOString(), to: new Date(clock + 1).toISOString() };
}
