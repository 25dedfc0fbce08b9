/**
 * Read-through cache for dependency reads: identical reads in flight at the
 * same time share one query (single flight), and an answer is reused for
 * `ttlMs` (0: only the sharing). Failures are never cached. At most
 * `maxEntries` answers are kept; the oldest goes first.
 */
export interface QueryCache {
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
  clear(): void;
}

export function createQueryCache(options: { ttlMs: number; maxEntries?: number; now?: () => number }): QueryCache {
  const maxEntries = options.maxEntries ?? 1000;
  const now = options.now ?? Date.now;
  const inFlight = new Map<string, Promise<unknown>>();
  const answers = new Map<string, { value: unknown; expires: number }>();
  return {
    get<T>(key: string, load: () => Promise<T>): Promise<T> {
      const answer = answers.get(key);
      if (answer !== undefined) {
        if (answer.expires > now()) return Promise.resolve(answer.value as T);
        answers.delete(key);
      }
      const pending = inFlight.get(key);
      if (pending !== undefined) return pending as Promise<T>;
      const started = load().then(
        (value) => {
          inFlight.delete(key);
          if (options.ttlMs > 0) {
            answers.set(key, { value, expires: now() + options.ttlMs });
            if (answers.size > maxEntries) answers.delete(answers.keys().next().value!);
          }
          return value;
        },
        (error: unknown) => {
          inFlight.delete(key);
          throw error;
        },
      );
      inFlight.set(key, started);
      return started;
    },
    clear() {
      answers.clear();
    },
  };
}
