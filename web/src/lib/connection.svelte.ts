/**
 * What the app knows about its link to the gateway: reachable or not (the
 * banner), whether it asked for credentials, and the API key the user typed
 * (kept in localStorage; only needed when the gateway runs with auth on).
 */
const KEY_STORAGE = 'guardian.apiKey';

function readStoredKey(): string {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

class Connection {
  /** `unknown` until the first answer. */
  status = $state<'unknown' | 'up' | 'down'>('unknown');
  /** Why the gateway is considered down (shown in the banner). */
  reason = $state('');
  /** Time (epoch ms) of the last failed attempt. */
  downSince = $state<number | undefined>(undefined);
  needsKey = $state(false);
  apiKey = $state(readStoredKey());

  reportDown(reason: string): void {
    if (this.status !== 'down') this.downSince = Date.now();
    this.status = 'down';
    this.reason = reason;
  }

  reportUp(): void {
    this.status = 'up';
    this.reason = '';
    this.downSince = undefined;
  }

  reportUnauthenticated(): void {
    this.needsKey = true;
  }

  setApiKey(key: string): void {
    this.apiKey = key.trim();
    this.needsKey = false;
    try {
      if (this.apiKey) localStorage.setItem(KEY_STORAGE, this.apiKey);
      else localStorage.removeItem(KEY_STORAGE);
    } catch {
      // storage unavailable (private mode): the key lives for this page only
    }
  }
}

export const connection = new Connection();
