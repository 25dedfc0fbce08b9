/**
 * Auto-refresh: every `REFRESH_INTERVAL_MS` the `tick` advances (unless
 * paused), and every panel reloads its query. `lastUpdated` is the time of
 * the latest successful answer of any panel. The pause choice survives a
 * reload (localStorage).
 */
export const REFRESH_INTERVAL_MS = 30_000;
const PAUSE_STORAGE = 'guardian.paused';

class Refresh {
  tick = $state(0);
  paused = $state(readPaused());
  lastUpdated = $state<number | undefined>(undefined);
  #timer: ReturnType<typeof setInterval> | undefined;

  start(): void {
    this.stop();
    this.#timer = setInterval(() => {
      if (!this.paused && document.visibilityState !== 'hidden') this.tick += 1;
    }, REFRESH_INTERVAL_MS);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Reload everything now (the "Refresh" button, and when the gateway comes back). */
  now(): void {
    this.tick += 1;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    try {
      localStorage.setItem(PAUSE_STORAGE, paused ? '1' : '0');
    } catch {
      // storage unavailable: the choice lasts for this page only
    }
  }

  markUpdated(): void {
    this.lastUpdated = Date.now();
  }
}

function readPaused(): boolean {
  try {
    return localStorage.getItem(PAUSE_STORAGE) === '1';
  } catch {
    return false;
  }
}

export const refresh = new Refresh();
