/**
 * Backfill: rolls up a list of days in chunks of `chunkDays` consecutive days
 * (each chunk as `rollupChunk`: every step writes the chunk's days in one
 * round of queries, so a long range costs a few round trips per chunk, not
 * per day), `concurrency` chunks at a time. By default it starts no new
 * chunk once one has failed (those in flight finish), so a broken dependency
 * costs one chunk's retries, not the whole range's; `keepGoing` goes on
 * instead. An aborted signal starts no new chunk either. One day checker is
 * shared, so each day's live aggregates are checked once.
 */
import { DayChecker } from './day-check.ts';
import { rollupChunk, type DayOutcome, type RollupDeps, type RollupRunOptions } from './run-day.ts';

export interface RangeOptions extends RollupRunOptions {
  keepGoing?: boolean;
  /** Consecutive days rolled up together. @default 7 */
  chunkDays?: number;
  /** Chunks rolled up at the same time. @default 1 */
  concurrency?: number;
  /** Called after each chunk with its days' outcomes and how many days are done. */
  onChunk?: (outcomes: DayOutcome[], doneDays: number) => void;
}

export interface RangeOutcome {
  ok: boolean;
  /** In day order. */
  outcomes: DayOutcome[];
  /** Days not attempted (after a failure without keepGoing, or a stop). */
  notRun: string[];
}

export async function rollupDays(deps: RollupDeps, days: readonly string[], options: RangeOptions): Promise<RangeOutcome> {
  const checker = options.checker ?? new DayChecker(deps.client);
  const size = Math.max(1, options.chunkDays ?? 7);
  const chunks = Array.from({ length: Math.ceil(days.length / size) }, (_, i) => days.slice(i * size, (i + 1) * size));
  const outcomes = new Map<string, DayOutcome>();
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < chunks.length && !options.signal?.aborted && !(failed && !options.keepGoing)) {
      const chunk = chunks[next++]!;
      const results = await rollupChunk(deps, chunk, { ...options, checker });
      for (const outcome of results) outcomes.set(outcome.day, outcome);
      if (results.some((outcome) => !outcome.ok)) failed = true;
      options.onChunk?.(results, outcomes.size);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, chunks.length)) }, worker));
  const done = days.filter((day) => outcomes.has(day)).map((day) => outcomes.get(day)!);
  return {
    ok: done.length === days.length && done.every((outcome) => outcome.ok),
    outcomes: done,
    notRun: days.filter((day) => !outcomes.has(day)),
  };
}
