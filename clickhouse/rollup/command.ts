/**
 * `guardian rollup`: the nightly batch of SPEC §4–6 into the serving tables.
 *
 *   guardian rollup                          yesterday by the data clock
 *   guardian rollup --day 2014-04-07         one day
 *   guardian rollup --from A --to B          a backfill, with a progress bar
 *   guardian rollup --schedule               keep running; fire at 03:00 Asia/Seoul
 *
 * Exit code 0 when every step of every day succeeded, 1 otherwise (after
 * each failing step used its attempts).
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { createClickHouse } from '../../lib/clients/clickhouse.ts';
import { positiveInteger, stopSignal } from '../../lib/cli-args.ts';
import { loadConfig } from '../../lib/config.ts';
import { ConfigError, GuardianError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/logger.ts';
import { createProgress } from '../../lib/progress.ts';
import { defaultRollupDay } from './data-clock.ts';
import { dayOption, dayRange } from './days.ts';
import type { DayOutcome, RollupDeps } from './run-day.ts';
import { rollupDays } from './run-range.ts';
import { checkRollupDatabase } from './preflight.ts';
import { runOnSchedule } from './schedule.ts';
import { checkSchedule, loadRollupSettings } from './settings.ts';
import { STEP_NAMES } from './steps.ts';

interface RollupCommandOptions {
  day?: string;
  from?: string;
  to?: string;
  schedule?: boolean;
  cron?: string;
  timezone?: string;
  attempts?: number;
  retryDelay?: number;
  keepGoing?: boolean;
  chunkDays?: number;
  concurrency?: number;
  raw?: boolean;
  database?: string;
}

const seconds = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--retry-delay: expected seconds >= 0, got "${value}"`);
  return n;
};

const logger = createLogger('rollup');

/** One line per day: the day, ok/FAILED, seconds (of its chunk, on its first day), what was read (live/raw), rows per step. */
function formatOutcome(outcome: DayOutcome, showTime = true): string {
  const steps = outcome.steps
    .map((s) => (s.status === 'success' ? `${s.step}=${s.rows}` : `${s.step}:${s.status}${s.attempts > 0 ? `(${s.attempts} attempts)` : ''}`))
    .join(' ');
  const sources = [...new Set(outcome.steps.map((s) => s.source).filter(Boolean))].join('+') || '-';
  const time = showTime ? `${(outcome.durationMs / 1000).toFixed(2).padStart(7)} s` : ' '.repeat(9);
  return `${outcome.day}  ${outcome.ok ? 'ok    ' : 'FAILED'}  ${time}  ${sources.padEnd(8)}  ${steps}\n`;
}

const span = (days: readonly string[]) => (days.length === 1 ? days[0]! : `${days[0]}..${days.at(-1)} (${days.length} days)`);

/** The error to exit with: each distinct failure once, with its days, and the days not run. */
function failure(outcomes: readonly DayOutcome[], notRun: readonly string[]): GuardianError {
  const byError = new Map<string, string[]>();
  for (const outcome of outcomes) {
    for (const step of outcome.steps) {
      if (step.status === 'failed') byError.set(step.error!, [...(byError.get(step.error!) ?? []), outcome.day]);
    }
  }
  const reasons = [...byError].map(([error, days]) => (days.length === 1 && error.includes(days[0]!) ? error : `${span(days)}: ${error}`));
  const rest = notRun.length > 0 ? `; not run: ${span(notRun)}` : '';
  return new GuardianError(`rollup failed: ${reasons.join('; ')}${rest}`);
}

export function registerRollupCommand(program: Command): void {
  program
    .command('rollup')
    .description('compute the daily serving tables (SPEC §4–6) in ClickHouse: one day, a backfill, or on a schedule')
    .option('--day <YYYY-MM-DD>', 'the day to roll up (default: the day before the data clock\'s day)', dayOption('--day'))
    .option('--from <YYYY-MM-DD>', 'backfill from this day (with --to; both included)', dayOption('--from'))
    .option('--to <YYYY-MM-DD>', 'backfill up to this day, included', dayOption('--to'))
    .option('--keep-going', 'in a backfill, go on with the next chunk of days after a failed one (default: stop)')
    .option('--chunk-days <n>', 'in a backfill, consecutive days each step writes together (default 7)', positiveInteger('--chunk-days'))
    .option('--concurrency <n>', 'in a backfill, chunks rolled up at the same time (default 2)', positiveInteger('--concurrency'))
    .option('--raw', 'read the raw tables even where the live aggregates are exact (slower; same numbers)')
    .option('--schedule', 'keep running, and roll up yesterday (by the data clock) whenever --cron fires')
    .option('--cron <expression>', 'schedule, in --timezone (default: $ROLLUP_CRON, else "0 3 * * *")')
    .option('--timezone <iana>', 'time zone of --cron (default: $ROLLUP_TIMEZONE, else Asia/Seoul)')
    .option('--attempts <n>', 'attempts per step, the first included (default: $ROLLUP_ATTEMPTS, else 3)', positiveInteger('--attempts'))
    .addOption(new Option('--retry-delay <seconds>', 'wait between attempts (default: $ROLLUP_RETRY_DELAY_SECONDS, else 300)').argParser(seconds))
    .option('--database <name>', 'ClickHouse database (default: $CLICKHOUSE_DATABASE)')
    .addHelpText('after', `\nSteps, in order: ${STEP_NAMES.join(', ')}. Every attempt is recorded in the rollup_runs table.`)
    .action(async (options: RollupCommandOptions) => {
      const ranged = options.from !== undefined || options.to !== undefined;
      if (ranged && (options.from === undefined || options.to === undefined)) throw new ConfigError('--from and --to go together');
      if (ranged && options.from! > options.to!) throw new ConfigError(`--from ${options.from} is after --to ${options.to}`);
      if ([options.day !== undefined, ranged, options.schedule === true].filter(Boolean).length > 1) {
        throw new ConfigError('choose one of --day, --from/--to and --schedule');
      }
      const config = loadConfig();
      const settings = loadRollupSettings();
      const cron = options.cron ?? settings.cron;
      const timezone = options.timezone ?? settings.timezone;
      checkSchedule(cron, timezone);
      const database = options.database ?? config.clickhouse.database;
      const client = createClickHouse(config, { database });
      const signal = stopSignal((sig) => logger.info({ signal: sig }, 'stopping after the running step'));
      const deps: RollupDeps = { client, logger };
      const runOptions = {
        attempts: options.attempts ?? settings.attempts,
        retryDelayMs: options.retryDelay !== undefined ? options.retryDelay * 1000 : settings.retryDelayMs,
        signal,
        keepGoing: options.keepGoing,
        forceRaw: options.raw,
      };
      try {
        await checkRollupDatabase(client, database, config.clickhouse.url);
        if (options.schedule) {
          await runOnSchedule({
            cron,
            timezone,
            signal,
            logger,
            run: async () => {
              const day = await defaultRollupDay(client);
              const result = await rollupDays(deps, [day], { ...runOptions, runId: randomUUID() });
              for (const outcome of result.outcomes) process.stdout.write(formatOutcome(outcome));
              if (!result.ok) throw failure(result.outcomes, result.notRun);
            },
          });
          return;
        }
        const days = ranged ? dayRange(options.from!, options.to!) : [options.day ?? (await defaultRollupDay(client))];
        const progress = ranged ? createProgress({ label: 'rollup', total: days.length, unit: 'days', logger }) : undefined;
        let failedDays = 0;
        const result = await rollupDays(deps, days, {
          ...runOptions,
          chunkDays: options.chunkDays,
          concurrency: options.concurrency ?? 2,
          runId: randomUUID(),
          onChunk: (outcomes, done) => {
            failedDays += outcomes.filter((outcome) => !outcome.ok).length;
            progress?.update(done, { failed: failedDays });
            if (!progress || !process.stderr.isTTY) outcomes.forEach((outcome, i) => process.stdout.write(formatOutcome(outcome, i === 0)));
          },
        });
        progress?.stop();
        if (progress && process.stderr.isTTY) {
          result.outcomes.forEach((outcome, i) => process.stdout.write(formatOutcome(outcome, i === 0 || outcome.durationMs !== result.outcomes[i - 1]!.durationMs)));
        }
        if (!result.ok) throw failure(result.outcomes, result.notRun);
      } finally {
        await client.close();
      }
    });
}
