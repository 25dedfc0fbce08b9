/**
 * The nightly rollup against the real ClickHouse, in a private database:
 * every serving table equals the TypeScript reference computed straight
 * from the `.dat` files (SPEC §4–6), day by day — including a day with
 * clicks but no buys, a day with no data, and redelivered Kafka messages —
 * to the last digit (integers exactly, ratios within 1e-9). Re-running a day
 * changes nothing; failures are retried and recorded attempt by attempt.
 */
import fs from 'node:fs';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatFile } from '../../clickhouse/load-dat.ts';
import { registerRollupCommand } from '../../clickhouse/rollup/command.ts';
import { defaultRollupDay } from '../../clickhouse/rollup/data-clock.ts';
import { DayChecker } from '../../clickhouse/rollup/day-check.ts';
import { rollupDay, type RollupDeps } from '../../clickhouse/rollup/run-day.ts';
import { rollupDays } from '../../clickhouse/rollup/run-range.ts';
import { STEP_NAMES } from '../../clickhouse/rollup/steps.ts';
import { createLogger } from '../../lib/logger.ts';
import { openSandbox, type Sandbox } from '../clickhouse-sandbox.ts';
import * as ref from '../reference/daily-reference.ts';
import { FIXTURE_DAYS, NO_BUYS_DAY, NO_DATA_DAY, writeFixture, type Fixture } from '../reference/rollup-fixture.ts';

/** The generated days, plus one after them: no data, but a trending baseline. */
const DAYS = [...FIXTURE_DAYS, '2014-04-06'];
const DUPLICATED_DAY = '2014-04-02';
const FLOAT_COLUMNS = new Set([
  'conversion_rate', 'avg_session_duration_sec', 'avg_clicks_per_session', 'avg_order_value',
  'percentage', 'drop_rate', 'click_to_purchase_ratio', 'baseline_clicks', 'trend_score',
]);

let sandbox: Sandbox;
let fixture: Fixture;
let clicks: ref.Click[];
let buys: ref.Buy[];
const logger = createLogger('rollup-test');

/** Differences between a row and its reference: exact for integers and strings, 1e-9 for ratios. */
function differences(actual: Record<string, unknown>, expected: Record<string, unknown>, where: string): string[] {
  return Object.entries(expected).flatMap(([column, want]) => {
    const got = actual[column];
    const same = FLOAT_COLUMNS.has(column) ? Math.abs(Number(got) - Number(want)) <= 1e-9 : got === want;
    return same ? [] : [`${where} ${column}: got ${String(got)}, expected ${String(want)}`];
  });
}

function compareTables(actual: Record<string, unknown>[], expected: Record<string, unknown>[], where: string): string[] {
  const problems = actual.length === expected.length ? [] : [`${where}: ${actual.length} rows, expected ${expected.length}`];
  expected.forEach((row, i) => problems.push(...differences(actual[i] ?? {}, row, `${where} row ${i + 1}`)));
  return problems;
}

const servingSnapshot = async () => ({
  daily_metrics: await sandbox.rows('SELECT * FROM daily_metrics ORDER BY day'),
  session_funnel: await sandbox.rows('SELECT * FROM session_funnel ORDER BY day, stage'),
  popular_items: await sandbox.rows('SELECT * FROM popular_items ORDER BY day, rank'),
  popular_categories: await sandbox.rows('SELECT * FROM popular_categories ORDER BY day, rank'),
  trending: await sandbox.rows('SELECT * FROM trending ORDER BY day, rank'),
});

async function runCommand(...args: string[]): Promise<void> {
  const program = new Command('guardian').exitOverride();
  registerRollupCommand(program);
  await program.parseAsync(['rollup', '--database', sandbox.database, ...args], { from: 'user' });
}

beforeAll(async () => {
  fixture = await writeFixture();
  clicks = ref.readClicks(fixture.clicksFile);
  buys = ref.readBuys(fixture.buysFile);
  sandbox = await openSandbox('test_rollup');
  await loadDatFile(sandbox.client, { kind: 'clicks', file: fixture.clicksFile });
  await loadDatFile(sandbox.client, { kind: 'purchases', file: fixture.buysFile });
  // Redelivery: the Kafka engine may write a message twice, with the same coordinates.
  for (const table of ['clicks_raw', 'purchases_raw']) {
    await sandbox.client.command({
      query: `INSERT INTO ${table} SELECT * FROM ${table} WHERE toDate(timestamp) = {day:Date}`,
      query_params: { day: DUPLICATED_DAY },
    });
  }
  await runCommand('--from', DAYS[0]!, '--to', DAYS.at(-1)!, '--attempts', '1');
});

afterAll(async () => {
  await sandbox?.drop();
  if (fixture) fs.rmSync(fixture.dir, { recursive: true, force: true });
});

describe('the fixture', () => {
  it('has the corners the tests rely on, and the duplicated day twice in the raw table', async () => {
    expect(ref.dailyMetrics(clicks, buys, NO_BUYS_DAY)).toMatchObject({ total_purchases: 0 });
    expect(ref.dailyMetrics(clicks, buys, NO_BUYS_DAY).total_clicks).toBeGreaterThan(1000);
    expect(ref.dailyMetrics(clicks, buys, NO_DATA_DAY)).toMatchObject({ total_clicks: 0, total_purchases: 0 });
    const day2 = ref.dailyMetrics(clicks, buys, DUPLICATED_DAY);
    expect(day2.purchasing_sessions).toBeGreaterThan(day2.converted_sessions);
    const [raw] = await sandbox.rows<{ n: number }>('SELECT count() AS n FROM clicks_raw WHERE toDate(timestamp) = {day:Date}', { day: DUPLICATED_DAY });
    expect(raw!.n).toBe(2 * day2.total_clicks);
  });
});

describe('a backfill of every day equals the reference computed from the .dat files', () => {
  it('daily_metrics', async () => {
    const rows = await sandbox.rows<Record<string, unknown>>('SELECT * FROM daily_metrics ORDER BY day');
    expect(rows.map((r) => r.day)).toEqual(DAYS);
    const problems = DAYS.flatMap((day, i) => differences(rows[i]!, { day, ...ref.dailyMetrics(clicks, buys, day) }, day));
    expect(problems).toEqual([]);
  });

  it('session_funnel', async () => {
    const problems: string[] = [];
    for (const day of DAYS) {
      const rows = await sandbox.rows<Record<string, unknown>>('SELECT * FROM session_funnel WHERE day = {day:Date} ORDER BY stage', { day });
      problems.push(...compareTables(rows, ref.sessionFunnel(clicks, buys, day) as unknown as Record<string, unknown>[], day));
    }
    expect(problems).toEqual([]);
  });

  it('popular_items: the top 100 in order, with categories, ties and buy-only items', async () => {
    const problems: string[] = [];
    for (const day of DAYS) {
      const rows = await sandbox.rows<Record<string, unknown>>('SELECT * FROM popular_items WHERE day = {day:Date} ORDER BY rank', { day });
      problems.push(...compareTables(rows, ref.popularItems(clicks, buys, day) as unknown as Record<string, unknown>[], day));
    }
    expect(problems).toEqual([]);
    const top = await sandbox.rows<{ item_id: number; category: string; click_count: number }>(
      'SELECT item_id, category, click_count FROM popular_items WHERE day = {day:Date} ORDER BY rank LIMIT 4',
      { day: DUPLICATED_DAY },
    );
    // The hand-written rows of the fixture, spelled out.
    expect(top).toEqual([
      { item_id: 999999999, category: '0', click_count: 0 },
      { item_id: 888888888, category: '12', click_count: 5 },
      { item_id: 777777001, category: 'S', click_count: 1 },
      { item_id: 777777002, category: '5', click_count: 1 },
    ]);
  });

  it('popular_categories', async () => {
    const problems: string[] = [];
    for (const day of DAYS) {
      const rows = await sandbox.rows<Record<string, unknown>>('SELECT * FROM popular_categories WHERE day = {day:Date} ORDER BY rank', { day });
      problems.push(...compareTables(rows, ref.popularCategories(clicks, buys, day) as unknown as Record<string, unknown>[], day));
    }
    expect(problems).toEqual([]);
  });

  it('trending, including days whose baseline holds a day without data', async () => {
    const problems: string[] = [];
    for (const day of DAYS) {
      const rows = await sandbox.rows<Record<string, unknown>>('SELECT * FROM trending WHERE day = {day:Date} ORDER BY rank', { day });
      problems.push(...compareTables(rows, ref.trending(clicks, day) as unknown as Record<string, unknown>[], day));
    }
    expect(problems).toEqual([]);
    const [afterData] = await sandbox.rows<{ n: number }>('SELECT count() AS n FROM trending WHERE day = {day:Date}', { day: '2014-04-06' });
    expect(afterData!.n).toBe(100);
  });

  it('records one successful attempt per step and day, read from the live aggregates except where a day has redelivered messages', async () => {
    const runs = await sandbox.rows<{ day: string; step: string; attempt: number; status: string; source: string }>(
      'SELECT day, step, attempt, status, source FROM rollup_runs ORDER BY day, step',
    );
    // Trending reads D−3..D; every other step reads D.
    const readsDuplicates = (day: string, step: string) =>
      (step === 'trending' ? [0, 1, 2, 3] : [0]).some((back) => new Date(Date.parse(day) - back * 86_400_000).toISOString().slice(0, 10) === DUPLICATED_DAY);
    const expected = DAYS.flatMap((day) =>
      [...STEP_NAMES].sort().map((step) => ({ day, step, attempt: 1, status: 'success', source: readsDuplicates(day, step) ? 'raw' : 'live' })),
    );
    expect(runs).toEqual(expected);
  });
});

describe('the day check (live aggregates exact?)', () => {
  const insertBlock = (day: string, offsets: number[]) =>
    sandbox.client.insert({
      table: 'clicks_raw',
      columns: ['session_id', 'timestamp', 'item_id', 'category', '_topic', '_partition', '_offset'],
      format: 'JSONEachRow',
      values: offsets.map((offset) => ({ session_id: 1, timestamp: `${day} 12:00:00.000`, item_id: 7, category: '0', _topic: 'ledger-test', _partition: 0, _offset: offset })),
    });

  it('accepts blocks in any order, from offset 0, and refuses a day with a message delivered twice', async () => {
    await insertBlock('2014-03-10', [5, 6, 7]);
    await insertBlock('2014-03-10', [0, 1, 2, 3, 4]);
    await insertBlock('2014-03-11', [10, 11]);
    await insertBlock('2014-03-11', [12, 13]);
    await insertBlock('2014-03-11', [11]); // redelivered
    const exact = await new DayChecker(sandbox.client).exactness(['2014-03-09', '2014-03-10', '2014-03-11']);
    expect(exact).toEqual([
      { clicks: true, buys: true },
      { clicks: true, buys: true },
      { clicks: false, buys: true },
    ]);
  });
});

describe('re-running', () => {
  it('from the raw tables everywhere gives the very same tables as from the live aggregates', async () => {
    const before = await servingSnapshot();
    for (const day of DAYS) {
      const outcome = await rollupDay({ client: sandbox.client, logger }, day, { attempts: 1, retryDelayMs: 0, runId: 'all-raw', forceRaw: true });
      expect(outcome.steps.map((s) => s.source)).toEqual(STEP_NAMES.map(() => 'raw'));
    }
    expect(await servingSnapshot()).toEqual(before);
  });

  it('a day, or the range in other chunks, leaves identical tables and no staging tables behind', async () => {
    const before = await servingSnapshot();
    for (const day of [DUPLICATED_DAY, NO_DATA_DAY, '2014-04-06']) {
      const outcome = await rollupDay({ client: sandbox.client, logger }, day, { attempts: 1, retryDelayMs: 0, runId: 'rerun' });
      expect(outcome.ok).toBe(true);
    }
    expect(await servingSnapshot()).toEqual(before);
    const range = await rollupDays({ client: sandbox.client, logger }, DAYS, { attempts: 1, retryDelayMs: 0, runId: 'rerun-chunks', chunkDays: 4, concurrency: 2 });
    expect(range).toMatchObject({ ok: true, notRun: [] });
    expect(range.outcomes.map((o) => o.day)).toEqual(DAYS);
    expect(await servingSnapshot()).toEqual(before);
    const staging = await sandbox.rows('SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE {pattern:String}', {
      db: sandbox.database,
      pattern: '%staging%',
    });
    expect(staging).toEqual([]);
  });
});

describe('failures', () => {
  const attemptsOf = (runId: string) =>
    sandbox.rows<{ step: string; attempt: number; status: string; error: string; started: number; finished: number }>(
      `SELECT step, attempt, status, error, toUnixTimestamp64Milli(started_at) AS started, toUnixTimestamp64Milli(finished_at) AS finished
       FROM rollup_runs WHERE run_id = {run:String} ORDER BY step, attempt`,
      { run: runId },
    );

  it('a step that fails twice and then succeeds is recorded as two failures and a success, the given delay apart', async () => {
    const deps: RollupDeps = {
      client: sandbox.client,
      logger,
      beforeAttempt: ({ step, attempt }) => {
        if (step === 'popular_items' && attempt <= 2) throw new Error(`injected failure ${attempt}`);
      },
    };
    const outcome = await rollupDay(deps, DUPLICATED_DAY, { attempts: 3, retryDelayMs: 200, runId: 'flaky-items' });
    expect(outcome.ok).toBe(true);
    expect(outcome.steps.find((s) => s.step === 'popular_items')).toMatchObject({ status: 'success', attempts: 3, rows: 100 });
    const runs = await attemptsOf('flaky-items');
    expect(runs.map(({ step, attempt, status, error }) => ({ step, attempt, status, error }))).toEqual([
      { step: 'daily_metrics', attempt: 1, status: 'success', error: '' },
      { step: 'popular_categories', attempt: 1, status: 'success', error: '' },
      { step: 'popular_items', attempt: 1, status: 'failed', error: 'injected failure 1' },
      { step: 'popular_items', attempt: 2, status: 'failed', error: 'injected failure 2' },
      { step: 'popular_items', attempt: 3, status: 'success', error: '' },
      { step: 'session_funnel', attempt: 1, status: 'success', error: '' },
      { step: 'trending', attempt: 1, status: 'success', error: '' },
    ]);
    const items = runs.filter((r) => r.step === 'popular_items');
    expect(items[1]!.started - items[0]!.finished).toBeGreaterThanOrEqual(190);
    expect(items[2]!.started - items[1]!.finished).toBeGreaterThanOrEqual(190);
    // Trending ran after the retried stage had succeeded.
    expect(runs.find((r) => r.step === 'trending')!.started).toBeGreaterThanOrEqual(items[2]!.finished);
  });

  it('a step that fails every attempt fails the day, skips the later stage and leaves the day\'s rows as they were', async () => {
    const before = await servingSnapshot();
    const deps: RollupDeps = {
      client: sandbox.client,
      logger,
      beforeAttempt: ({ step }) => {
        if (step === 'session_funnel') throw new Error('funnel is down');
      },
    };
    const outcome = await rollupDay(deps, DUPLICATED_DAY, { attempts: 2, retryDelayMs: 0, runId: 'broken-funnel' });
    expect(outcome.ok).toBe(false);
    const runs = await attemptsOf('broken-funnel');
    expect(runs.map(({ step, attempt, status }) => `${step}#${attempt}:${status}`)).toEqual([
      'daily_metrics#1:success',
      'popular_categories#1:success',
      'popular_items#1:success',
      'session_funnel#1:failed',
      'session_funnel#2:failed',
      'trending#0:skipped',
    ]);
    expect(await servingSnapshot()).toEqual(before);
  });

  it('the command defaults to the day before the data clock', async () => {
    const clock = Math.max(...clicks.map((c) => c.ms), ...buys.map((b) => b.ms));
    const dayBefore = new Date(clock - 86_400_000).toISOString().slice(0, 10);
    expect(await defaultRollupDay(sandbox.client)).toBe(dayBefore);
    await runCommand('--attempts', '1');
    const [last] = await sandbox.rows<{ day: string }>("SELECT day FROM rollup_runs WHERE step = 'trending' ORDER BY finished_at DESC LIMIT 1");
    expect(last!.day).toBe(dayBefore);
  });

  it('reads the raw rows for a day whose live aggregates missed a change (a raw row deleted)', async () => {
    const day = '2014-04-05';
    const victim = ref.onDay(clicks, day).find((c) => c.ms !== Math.max(...clicks.map((x) => x.ms)))!;
    await sandbox.client.command({
      query: 'ALTER TABLE clicks_raw DELETE WHERE session_id = {s:Int64} AND timestamp = fromUnixTimestamp64Milli({ms:Int64}, \'UTC\') AND item_id = {i:Int64}',
      query_params: { s: victim.session, ms: victim.ms, i: victim.item },
      clickhouse_settings: { mutations_sync: '2' },
    });
    const remaining = clicks.filter((c) => c !== victim);
    const outcome = await rollupDay({ client: sandbox.client, logger }, day, { attempts: 1, retryDelayMs: 0, runId: 'after-delete' });
    expect(outcome.steps.map((s) => `${s.step}:${s.source}`)).toEqual(STEP_NAMES.map((step) => `${step}:raw`));
    const [metrics] = await sandbox.rows<Record<string, unknown>>('SELECT * FROM daily_metrics WHERE day = {day:Date}', { day });
    expect(differences(metrics!, { day, ...ref.dailyMetrics(remaining, buys, day) }, day)).toEqual([]);
    const items = await sandbox.rows<Record<string, unknown>>('SELECT * FROM popular_items WHERE day = {day:Date} ORDER BY rank', { day });
    expect(compareTables(items, ref.popularItems(remaining, buys, day) as unknown as Record<string, unknown>[], day)).toEqual([]);
  });

  it('the command fails (non-zero exit) once a step has used all its attempts', async () => {
    // Break the trending table the way a bad deploy would: a column it writes is gone.
    await sandbox.client.command({ query: 'ALTER TABLE trending DROP COLUMN trend_score' });
    await expect(runCommand('--day', '2014-04-05', '--attempts', '2', '--retry-delay', '0')).rejects.toThrow(
      /^rollup failed: rollup step trending of 2014-04-05 failed after 2 attempt\(s\): /,
    );
    const runs = await sandbox.rows<{ status: string; n: number }>(
      "SELECT status, count() AS n FROM rollup_runs WHERE day = '2014-04-05' AND step = 'trending' AND status = 'failed' GROUP BY status",
    );
    expect(runs).toEqual([{ status: 'failed', n: 2 }]);
  });
});
