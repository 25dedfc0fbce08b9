/**
 * Replay speed: at X× real time, an event whose timestamp is Δ after the
 * first one is due Δ/X after the replay started. `Infinity` means as fast as
 * possible.
 */
export class ReplayPacer {
  private firstEventMs: number | undefined;
  private startedAt = 0;

  constructor(private readonly speed: number) {}

  /** Milliseconds to wait before the event may be sent (0 when due). */
  delayFor(timestampMs: number, nowMs = performance.now()): number {
    if (!Number.isFinite(this.speed)) return 0;
    if (this.firstEventMs === undefined) {
      this.firstEventMs = timestampMs;
      this.startedAt = nowMs;
      return 0;
    }
    const dueAt = this.startedAt + (timestampMs - this.firstEventMs) / this.speed;
    return Math.max(0, dueAt - nowMs);
  }
}

/** `--replay-speed`: a positive number, or `max` / `0` for as fast as possible. */
export function parseReplaySpeed(value: string): number {
  if (value === 'max' || value === '0') return Infinity;
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new Error(`--replay-speed: expected a positive number or "max", got "${value}"`);
  }
  return speed;
}
