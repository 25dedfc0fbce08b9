/**
 * Settings of the nightly rollup: the `ROLLUP_*` variables of lib/config.ts
 * (defaults documented there), each overridable by a command-line option,
 * plus the checks zod cannot do (cron expression, time zone).
 */
import { Cron } from 'croner';
import { loadConfig, type Config } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';

export type RollupSettings = Config['rollup'];

/** Reads the settings (lib/config.ts `ROLLUP_*`); throws a ConfigError naming every bad variable, or a bad cron/time zone. */
export function loadRollupSettings(env: NodeJS.ProcessEnv = process.env): RollupSettings {
  const settings = loadConfig(env).rollup;
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

