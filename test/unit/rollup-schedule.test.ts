import { describe, expect, it } from 'vitest';
import { nextFireTimes, runOnSchedule } from '../../clickhouse/rollup/schedule.ts';
import { loadRollupSettings } from '../../clickhouse/rollup/settings.ts';
import { createLogger } from '../../lib/logger.ts';
import { ConfigError } from '../../lib/errors.ts';
import { sleep } from '../../lib/retry.ts';

const logger = createLogger('rollup-schedule-test');

describe('rollup schedule', () => {
  it('fires at 03:00 Asia/Seoul by default, which is 18:00 UTC the day before', () => {
    const { cron, timezone } = loadRollupSettings({});
    const fires = nextFireTimes(cron, timezone, 3, new Date('2014-04-07T12:00:00Z'));
    expect(fires.map((d) => d.toISOString())).toEqual(['2014-04-07T18:00:00.000Z', '2014-04-08T18:00:00.000Z', '2014-04-09T18:00:00.000Z']);
  });

  it('follows another expression and time zone, DST included', () => {
    // 02:30 in New York: EST (UTC-5) before 9 March 2014, EDT (UTC-4) after.
    const fires = nextFireTimes('30 2 * * 1', 'America/New_York', 2, new Date('2014-03-01T00:00:00Z'));
    expect(fires.map((d) => d.toISOString())).toEqual(['2014-03-03T07:30:00.000Z', '2014-03-10T06:30:00.000Z']);
  });

  it('runs the job whenever it fires, never two at once, goes on after a failure, and stops on the signal', async () => {
    const controller = new AbortController();
    let started = 0;
    let running = 0;
    let overlapped = false;
    const done = runOnSchedule({
      cron: '* * * * * *',
      timezone: 'UTC',
      signal: controller.signal,
      logger,
      run: async () => {
        started++;
        running++;
        if (running > 1) overlapped = true;
        // The first run outlasts the one-second period: the firing during it is skipped, not stacked.
        await sleep(started === 1 ? 1300 : 20);
        running--;
        if (started === 1) throw new Error('a failed run does not stop the schedule');
      },
    });
    for (let waited = 0; started < 2 && waited < 6000; waited += 50) await sleep(50);
    controller.abort();
    await done;
    expect(started).toBe(2);
    expect(overlapped).toBe(false);
    await sleep(1100);
    expect(started).toBe(2);
  }, 10_000);
});

describe('rollup settings', () => {
  it('defaults to 3 attempts 5 minutes apart, daily at 03:00 Asia/Seoul', () => {
    expect(loadRollupSettings({})).toEqual({ attempts: 3, retryDelayMs: 300_000, cron: '0 3 * * *', timezone: 'Asia/Seoul' });
  });

  it('reads the environment', () => {
    expect(loadRollupSettings({ ROLLUP_ATTEMPTS: '5', ROLLUP_RETRY_DELAY_SECONDS: '0.5', ROLLUP_CRON: '15 4 * * *', ROLLUP_TIMEZONE: 'UTC' })).toEqual({
      attempts: 5,
      retryDelayMs: 500,
      cron: '15 4 * * *',
      timezone: 'UTC',
    });
  });

  it('names what is wrong', () => {
    expect(() => loadRollupSettings({ ROLLUP_ATTEMPTS: '0' })).toThrow(/ROLLUP_ATTEMPTS/);
    expect(() => loadRollupSettings({ ROLLUP_RETRY_DELAY_SECONDS: 'soon' })).toThrow(/ROLLUP_RETRY_DELAY_SECONDS/);
    expect(() => loadRollupSettings({ ROLLUP_CRON: '0 25 * * *' })).toThrow(ConfigError);
    expect(() => loadRollupSettings({ ROLLUP_TIMEZONE: 'Mars/Olympus' })).toThrow(/unknown IANA time zone "Mars\/Olympus"/);
  });
});
