/**
 * The one retry helper: retries only errors that may succeed on another
 * attempt, with exponential (or fixed) backoff, and wraps the last failure.
 * An AbortSignal ends the waiting between attempts at once.
 */
import { GuardianError } from './errors.ts';

export interface RetryOptions {
  /** Attempts in total, the first included. @default 5 */
  attempts?: number;
  /** Delay before the second attempt, in ms; doubles each time. @default 200 */
  initialDelayMs?: number;
  /** Upper bound of one delay, in ms. @default 5000 */
  maxDelayMs?: number;
  /** `fixed`: every delay is `initialDelayMs` (no doubling, no upper bound). @default 'exponential' */
  backoff?: 'exponential' | 'fixed';
  /** Stops retrying: no new attempt starts once aborted, and a pending delay ends at once. */
  signal?: AbortSignal;
  /** Which errors are worth another attempt. @default GuardianError.retriable, or any non-Guardian error */
  isRetriable?: (error: unknown) => boolean;
  /** Called before each new attempt. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** What is being attempted, for the final error message. */
  description?: string;
}

const defaultIsRetriable = (error: unknown): boolean =>
  error instanceof GuardianError ? error.retriable : true;

/** Resolves after `ms`, or as soon as `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const isRetriable = options.isRetriable ?? defaultIsRetriable;
  const giveUp = (error: unknown, attempt: number, how: string): GuardianError =>
    new GuardianError(`${options.description ?? 'operation'} ${how} after ${attempt} attempt(s): ${(error as Error)?.message ?? error}`, {
      cause: error,
    });
  let delay = options.initialDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetriable(error) || options.signal?.aborted) throw giveUp(error, attempt, 'failed');
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw giveUp(error, attempt, 'stopped');
      if (options.backoff !== 'fixed') delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
}
