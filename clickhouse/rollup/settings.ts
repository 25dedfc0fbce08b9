/**
 * Settings of the nightly rollup, from the environment, each overridable by
 * a command-line option. Defaults are documented here and only here.
 *
 * (These four variables belong in `lib/config.ts` with the rest of the
 * configuration; until they move there, they are read and validated here the
 * same way, and an invalid value is reported by name.)
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors.ts';

const schema = z.object({
  /** Attempts per step, the first included. @default 3 */
  ROLLUP_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  /** Seconds between two attempts of a step. @default 300 (5 minutes) */
  ROLLUP_RETRY_DELAY_SECONDS: z.coerce.number().min(0).default(300),
  /** When `rollup --schedule` fires: a cron expression (5 fields, or 6 with seconds). @default 0 3 * * * */
  ROLLUP_CRON: z.string().min(1).default('0 3 * * *'),
  /** Time zone of ROLLUP_CRON (IANA name). @default Asia/Seoul */
  ROLLUP_TIMEZONE: z.string().min(1).default('Asia/Seoul'),
});

export interface RollupSettings {
  attempts: number;
  retryDelayMs: number;
  cron: string;
  timezone: string;
}

/** Reads the settings; throws a ConfigError naming every bad variable, or a bad cron/time zone. */
export function loadRollupSettings(env: NodeJS.ProcessEnv = process.env): RollupSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const settings = { attempts: e.ROLLUP_ATTEMPTS, retryDelayMs: e.ROLLUP_RETRY_DELAY_SECONDS * 1000, cron: e.ROLLUP_CRON, timezone: e.ROLLUP_TIMEZONE };
  checkSchedule(settings.cron, settings.timezone);
  return settings;
}

/** Throws a ConfigError when the cron expression or the time zone is not valid. */
export function checkSchedule(cron: string, timezone: string): void {
  try {
    Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new ConfigError(`rollup time zone: unknown IANA time zone "${timezone}"`);
  }
  try {
    new Cron(cron, { timezone, paused: true }).stop();
  } catch (error) {
    throw new ConfigError(`rollup cron expression "${cron}": ${(error as Error).message}`);
  }
}

export const ROLLUP_VARIABLES = Object.keys(schema.shape);
