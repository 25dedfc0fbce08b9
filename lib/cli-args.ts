/** Argument parsers for commander options: each error names the option and the value. */
import { InvalidArgumentError } from 'commander';

export function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${name}: expected a positive integer, got "${value}"`);
    return n;
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A date `YYYY-MM-DD` (a whole UTC day) or an ISO-8601 instant, as epoch ms.
 * `end` makes a bare date mean the end of that day (exclusive), so
 * `--from 2014-04-01 --to 2014-04-02` covers both days.
 */
export function dateOrInstant(name: string, edge: 'start' | 'end') {
  return (value: string): number => {
    const ms = Date.parse(DAY.test(value) ? `${value}T00:00:00.000Z` : value);
    if (Number.isNaN(ms) || (DAY.test(value) && new Date(ms).toISOString().slice(0, 10) !== value)) {
      throw new InvalidArgumentError(`${name}: expected YYYY-MM-DD or an ISO-8601 time, got "${value}"`);
    }
    return DAY.test(value) && edge === 'end' ? ms + 86_400_000 : ms;
  };
}

/** An AbortSignal that fires on the first SIGINT/SIGTERM; a second one exits at once. */
export function stopSignal(onStop: (signal: string) => void): AbortSignal {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    onStop(signal);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return controller.signal;
}
