/**
 * `rollup --schedule`: keeps running and fires the rollup of "yesterday by
 * the data clock" whenever the cron expression matches in its time zone
 * (default 03:00 Asia/Seoul, i.e. 18:00 UTC the day before). Scheduling is
 * croner's (time zones and DST handled there); a run still going when the
 * next one is due makes that one be skipped, never overlap. A failed run is
 * logged and the schedule goes on. Resolves once `signal` aborts and the
 * running job, if any, has finished.
 *
 * The system-cron alternative runs one rollup per invocation instead:
 *   CRON_TZ=Asia/Seoul
 *   0 3 * * *  cd /srv/guardian && npx guardian rollup >> /var/log/guardian-rollup.log 2>&1
 */
import { Cron } from 'croner';
import type { Logger } from '../../lib/logger.ts';

export interface ScheduleOptions {
  cron: string;
  timezone: string;
  signal: AbortSignal;
  logger: Logger;
  /** One scheduled run; its failure is logged, not thrown. */
  run: () => Promise<void>;
}

/** The next `n` fire times after `from`. */
export function nextFireTimes(cron: string, timezone: string, n: number, from: Date = new Date()): Date[] {
  const job = new Cron(cron, { timezone, paused: true });
  try {
    return job.nextRuns(n, from);
  } finally {
    job.stop();
  }
}

export async function runOnSchedule(options: ScheduleOptions): Promise<void> {
  const { logger } = options;
  let running: Promise<void> | undefined;
  const job = new Cron(
    options.cron,
    {
      timezone: options.timezone,
      protect: (skipped) => logger.warn({ startedAt: skipped.currentRun()?.toISOString() }, 'previous scheduled rollup still running; this one is skipped'),
    },
    async () => {
      running = options.run().catch((error: unknown) => logger.error({ err: error }, 'scheduled rollup failed'));
      await running;
      running = undefined;
      logger.info({ next: job.nextRun()?.toISOString() }, 'next scheduled rollup');
    },
  );
  logger.info({ cron: options.cron, timezone: options.timezone, next: job.nextRun()?.toISOString() }, 'rollup scheduled');
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  job.stop();
  await running;
}
