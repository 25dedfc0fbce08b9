/**
 * Rolls up days: the stages of `ROLLUP_STAGES` in order, the steps of a
 * stage in parallel, each step retried (`attempts` in total, `retryDelayMs`
 * apart) and every attempt recorded in `rollup_runs`, one row per day. A
 * stage starts only when every step before it succeeded; the steps it would
 * have run are recorded as `skipped`. Each step replaces its days atomically
 * (replace-day.ts), so days can be re-run at any time, whole or after a
 * failure, and converge to the same rows.
 *
 * `rollupDays` here takes a few days together (a backfill chunk): each step
 * then writes all of them in one round of queries. They succeed or fail
 * together.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../lib/logger.ts';
import { retry } from '../../lib/retry.ts';
import { DayChecker } from './day-check.ts';
import { addDays, dayRange } from './days.ts';
import { replaceDays, type DaySource } from './replace-day.ts';
import { recordAttempts, type AttemptStatus } from './runs-log.ts';
import { ROLLUP_STAGES, ROLLUP_STEPS, type Source, type StepName } from './steps.ts';

export interface AttemptContext {
  days: readonly string[];
  step: StepName;
  attempt: number;
}

export interface RollupDeps {
  /** Bound to the database holding the raw and serving tables. */
  client: ClickHouseClient;
  logger: Logger;
  /**
   * Runs before each attempt of each step; an exception fails that attempt
   * exactly as a ClickHouse error would (tests inject failures here).
   */
  beforeAttempt?: (context: AttemptContext) => void | Promise<void>;
}

export interface RollupRunOptions {
  /** Attempts per step, the first included. */
  attempts: number;
  /** Wait between two attempts of a step. */
  retryDelayMs: number;
  /** Written to every `rollup_runs` row of this invocation. */
  runId: string;
  /** Aborting stops between attempts (a running query finishes). */
  signal?: AbortSignal;
  /** Which days' live aggregates are exact; share one across the days of a run. @default a new one */
  checker?: DayChecker;
  /** Read the raw tables even where the live aggregates are exact. @default false */
  forceRaw?: boolean;
}

export interface StepOutcome {
  step: StepName;
  status: AttemptStatus;
  /** Attempts made (0 when skipped). */
  attempts: number;
  /** Rows written for the day. */
  rows: number;
  /** What the successful attempt read for the day. */
  source?: Source;
  error?: string;
}

export interface DayOutcome {
  day: string;
  ok: boolean;
  steps: StepOutcome[];
  /** Of the whole chunk the day was rolled up in. */
  durationMs: number;
}

interface ChunkStepOutcome {
  step: StepName;
  status: AttemptStatus;
  attempts: number;
  rows: Map<string, number>;
  sources: Map<string, Source>;
  error?: string;
}

type ChunkOptions = RollupRunOptions & { checker: DayChecker };

/** Rolls up one day. */
export async function rollupDay(deps: RollupDeps, day: string, options: RollupRunOptions): Promise<DayOutcome> {
  return (await rollupChunk(deps, [day], options))[0]!;
}

/** Rolls up a few days together (see the module comment); one outcome per day, in order. */
export async function rollupChunk(deps: RollupDeps, days: readonly string[], runOptions: RollupRunOptions): Promise<DayOutcome[]> {
  const started = performance.now();
  const options: ChunkOptions = { ...runOptions, checker: runOptions.checker ?? new DayChecker(deps.client) };
  // Check every day the steps read (trending: three days before too) in one round, up front.
  if (!options.forceRaw) options.checker.prefetch(dayRange(addDays(days[0]!, -3), days.at(-1)!));
  const outcomes: ChunkStepOutcome[] = [];
  for (const stage of ROLLUP_STAGES) {
    const blocked = outcomes.some((outcome) => outcome.status !== 'success');
    outcomes.push(...(await Promise.all(stage.map((step) => (blocked ? skipStep(deps, days, step, options) : runStep(deps, days, step, options))))));
  }
  const ok = outcomes.every((outcome) => outcome.status === 'success');
  const durationMs = performance.now() - started;
  (ok ? deps.logger.debug : deps.logger.warn).call(deps.logger, { days, ok, ms: Math.round(durationMs) }, ok ? 'days rolled up' : 'days failed');
  return days.map((day) => ({
    day,
    ok,
    durationMs,
    steps: outcomes.map((o) => ({
      step: o.step,
      status: o.status,
      attempts: o.attempts,
      rows: o.rows.get(day) ?? 0,
      source: o.sources.get(day),
      error: o.error,
    })),
  }));
}

async function runStep(deps: RollupDeps, days: readonly string[], step: StepName, options: ChunkOptions): Promise<ChunkStepOutcome> {
  const { client, logger } = deps;
  let attempts = 0;
  let sources = new Map<string, Source>();
  const record = (attempt: number, status: AttemptStatus, startedAt: number, rows: Map<string, number>, error: string) =>
    recordAttempts(
      client,
      days.map((day) => ({
        runId: options.runId, day, step, attempt, status, startedAt, finishedAt: Date.now(),
        rowsWritten: rows.get(day) ?? 0, source: sources.get(day) ?? '', error,
      })),
    );
  try {
    const rows = await retry(
      async (attempt) => {
        attempts = attempt;
        sources = new Map();
        const startedAt = Date.now();
        try {
          await deps.beforeAttempt?.({ days, step, attempt });
          const chosen = options.forceRaw ? days.map((): Source => 'raw') : await options.checker.sourcesFor(ROLLUP_STEPS[step], days);
          const plan: DaySource[] = days.map((day, i) => ({ day, source: chosen[i]! }));
          sources = new Map(plan.map(({ day, source }) => [day, source]));
          const written = await replaceDays(client, ROLLUP_STEPS[step], plan);
          await record(attempt, 'success', startedAt, written, '');
          return written;
        } catch (error) {
          const message = (error as Error)?.message ?? String(error);
          await record(attempt, 'failed', startedAt, new Map(), message).catch((recordError: unknown) =>
            logger.error({ err: recordError, days, step, attempt }, 'could not record a failed attempt in rollup_runs'),
          );
          throw error;
        }
      },
      {
        attempts: options.attempts,
        initialDelayMs: options.retryDelayMs,
        backoff: 'fixed',
        isRetriable: () => true,
        signal: options.signal,
        description: `rollup step ${step} of ${days.length === 1 ? days[0] : `${days[0]}..${days.at(-1)}`}`,
        onRetry: (error, attempt, delayMs) =>
          logger.warn({ days, step, attempt, retryInSeconds: delayMs / 1000, error: (error as Error)?.message }, 'rollup step failed; will retry'),
      },
    );
    return { step, status: 'success', attempts, rows, sources };
  } catch (error) {
    const message = (error as Error).message;
    logger.error({ days, step, attempts, error: message }, 'rollup step failed');
    return { step, status: 'failed', attempts, rows: new Map(), sources: new Map(), error: message };
  }
}

async function skipStep(deps: RollupDeps, days: readonly string[], step: StepName, options: ChunkOptions): Promise<ChunkStepOutcome> {
  const now = Date.now();
  const error = 'not run: an earlier step of this day failed';
  await recordAttempts(
    deps.client,
    days.map((day) => ({ runId: options.runId, day, step, attempt: 0, status: 'skipped' as const, startedAt: now, finishedAt: now, rowsWritten: 0, source: '' as const, error })),
  ).catch((recordError: unknown) => deps.logger.error({ err: recordError, days, step }, 'could not record a skipped step in rollup_runs'));
  return { step, status: 'skipped', attempts: 0, rows: new Map(), sources: new Map(), error };
}
