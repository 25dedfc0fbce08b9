/**
 * bench/rollup: the nightly rollup (SPEC §4–6) on generated data — one day,
 * then a 30-day backfill (~6M clicks) — against the same metrics computed
 * by DuckDB (@duckdb/node-api, in process) from the same rows in Parquet.
 *
 *   npx tsx bench/rollup.ts [--clicks 6000000] [--days 30] [--from 2014-04-01] [--day 2014-04-15] [--chunk-days 7] [--concurrency 2] [--keep]
 *
 * Needs ClickHouse (`npx guardian stack up`). The data set and its Parquet
 * copy are cached in .cache/bench/; the rows go into a private database
 * (dropped at the end unless --keep). Reported, per scope:
 * - ClickHouse rollup: the product path (`rollupDay`, and `rollupDays` in
 *   chunks of --chunk-days: day checks, staging tables, REPLACE PARTITION,
 *   rollup_runs rows, the parallel stage), wall time;
 * - ClickHouse queries: the day checks and the five steps' SELECTs alone,
 *   one after another, on the source the rollup picks (the live aggregates);
 * - ClickHouse raw queries: the same SELECTs on the raw tables (the
 *   fallback path, deduplicating by Kafka coordinates);
 * - DuckDB queries: the same five results, one after another, from Parquet;
 * and checks that DuckDB's numbers equal the rollup's (ints exactly, ratios
 * within 1e-9). The ClickHouse side also deduplicates by Kafka coordinates,
 * which the Parquet side (exactly-once by construction) does not need.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { loadDatFile } from '../clickhouse/load-dat.ts';
import { DayChecker } from '../clickhouse/rollup/day-check.ts';
import { addDays, dayRange } from '../clickhouse/rollup/days.ts';
import { rollupDay } from '../clickhouse/rollup/run-day.ts';
import { rollupDays } from '../clickhouse/rollup/run-range.ts';
import { ROLLUP_STEPS, STEP_NAMES, type StepName } from '../clickhouse/rollup/steps.ts';
import { createSandboxDatabase, dropSandboxDatabase } from '../clickhouse/sandbox-database.ts';
import { generateDataset } from '../ingest/generator/generate-dataset.ts';
import { createClickHouse } from '../lib/clients/clickhouse.ts';
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';

const { values } = parseArgs({
  options: {
    clicks: { type: 'string', default: '6000000' },
    days: { type: 'string', default: '30' },
    from: { type: 'string', default: '2014-04-01' },
    day: { type: 'string' },
    'chunk-days': { type: 'string', default: '7' },
    concurrency: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
  },
});
const config = loadConfig();
const logger = createLogger('bench-rollup');
const clicksWanted = Number(values.clicks);
const days = dayRange(values.from!, addDays(values.from!, Number(values.days) - 1));
const oneDay = values.day ?? days[Math.floor(days.length / 2)]!;
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const result = await work();
  return [result, performance.now() - t0];
};

// ---- data: .dat files (generator) and their Parquet copy (DuckDB), cached
const dir = path.join(config.cacheDir, 'bench', `rollup-${clicksWanted}-${days[0]}-${days.length}d`);
const clicksDat = path.join(dir, 'yoochoose-clicks.dat');
const buysDat = path.join(dir, 'yoochoose-buys.dat');
if (!fs.existsSync(clicksDat)) await generateDataset({ outDir: dir, clicks: clicksWanted, from: days[0]!, to: days.at(-1)!, seed: 1 });
const clicksParquet = path.join(dir, 'clicks.parquet');
const buysParquet = path.join(dir, 'buys.parquet');
const duck = await (await DuckDBInstance.create(':memory:')).connect();
const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;
if (!fs.existsSync(buysParquet)) {
  const ts = "strptime(column1, '%Y-%m-%dT%H:%M:%S.%gZ')";
  await duck.run(`COPY (SELECT column0::BIGINT AS session_id, ${ts} AS ts, column2::BIGINT AS item_id, column3::VARCHAR AS category
    FROM read_csv(${sqlString(clicksDat)}, header = false, all_varchar = true)) TO ${sqlString(clicksParquet)} (FORMAT parquet)`);
  await duck.run(`COPY (SELECT column0::BIGINT AS session_id, ${ts} AS ts, column2::BIGINT AS item_id, column3::BIGINT AS price, column4::INTEGER AS quantity
    FROM read_csv(${sqlString(buysDat)}, header = false, all_varchar = true)) TO ${sqlString(buysParquet)} (FORMAT parquet)`);
}
await duck.run(`CREATE VIEW clicks AS SELECT * FROM read_parquet(${sqlString(clicksParquet)})`);
await duck.run(`CREATE VIEW buys AS SELECT * FROM read_parquet(${sqlString(buysParquet)})`);
const counts = (await duck.runAndReadAll('SELECT (SELECT count(*) FROM clicks) AS clicks, (SELECT count(*) FROM buys) AS buys')).getRowObjectsJS()[0]!;

// ---- DuckDB: the five results of one day, from Parquet
const window = `c AS (SELECT session_id, ts, item_id, category FROM clicks WHERE ts >= $start AND ts < $end),
  b AS (SELECT session_id, item_id, price, quantity FROM buys WHERE ts >= $start AND ts < $end)`;
const items = `${window},
  cat AS (SELECT item_id, category, count(*) AS n FROM c GROUP BY ALL),
  topcat AS (SELECT item_id, category FROM (SELECT *, row_number() OVER (PARTITION BY item_id ORDER BY n DESC, category) AS rn FROM cat) WHERE rn = 1),
  ci AS (SELECT item_id, count(*) AS clicks FROM c GROUP BY item_id),
  bi AS (SELECT item_id, count(*) AS buys, sum(price * quantity) AS revenue FROM b GROUP BY item_id),
  items AS (SELECT item_id, coalesce(clicks, 0) AS click_count, coalesce(buys, 0) AS purchase_count, coalesce(revenue, 0) AS revenue,
                   coalesce(topcat.category, '0') AS category
            FROM ci FULL OUTER JOIN bi USING (item_id) LEFT JOIN topcat USING (item_id))`;
const ratio = 'CASE WHEN click_count = 0 THEN 0 ELSE purchase_count / click_count END AS click_to_purchase_ratio';
const DUCK: Record<StepName, string> = {
  daily_metrics: `WITH ${window},
    s AS (SELECT session_id, epoch_ms(max(ts)) - epoch_ms(min(ts)) AS dur FROM c GROUP BY session_id),
    k AS (SELECT count(*) AS total_clicks, count(DISTINCT session_id) AS unique_sessions, count(DISTINCT item_id) AS unique_items FROM c),
    p AS (SELECT count(*) AS total_purchases, coalesce(sum(price * quantity), 0) AS total_revenue, count(DISTINCT session_id) AS purchasing_sessions FROM b),
    q AS (SELECT count(*) FILTER (WHERE session_id IN (SELECT session_id FROM b)) AS converted_sessions, coalesce(sum(dur), 0) AS duration_ms FROM s)
    SELECT k.total_clicks, p.total_purchases, k.unique_sessions, k.unique_items,
      CASE WHEN k.unique_sessions = 0 THEN 0 ELSE q.converted_sessions / k.unique_sessions END AS conversion_rate,
      CASE WHEN k.unique_sessions = 0 THEN 0 ELSE q.duration_ms / (1000 * k.unique_sessions) END AS avg_session_duration_sec,
      CASE WHEN k.unique_sessions = 0 THEN 0 ELSE k.total_clicks / k.unique_sessions END AS avg_clicks_per_session,
      p.total_revenue,
      CASE WHEN p.purchasing_sessions = 0 THEN 0 ELSE p.total_revenue / p.purchasing_sessions END AS avg_order_value,
      q.converted_sessions, p.purchasing_sessions
    FROM k, p, q`,
  session_funnel: `WITH ${window},
    s AS (SELECT session_id, count(*) AS n FROM c GROUP BY session_id),
    f AS (SELECT count(*) AS viewed, count(*) FILTER (WHERE n >= 2) AS engaged,
                 count(*) FILTER (WHERE session_id IN (SELECT session_id FROM b)) AS purchased FROM s)
    SELECT 1 AS stage, 'Viewed' AS stage_name, viewed AS sessions, 100.0 AS percentage, 0.0 AS drop_rate FROM f
    UNION ALL SELECT 2, 'Engaged', engaged, CASE WHEN viewed = 0 THEN 0 ELSE engaged * 100 / viewed END,
                     CASE WHEN viewed = 0 THEN 0 ELSE (viewed - engaged) * 100 / viewed END FROM f
    UNION ALL SELECT 3, 'Purchased', purchased, CASE WHEN viewed = 0 THEN 0 ELSE purchased * 100 / viewed END,
                     CASE WHEN engaged = 0 THEN 0 ELSE (engaged - purchased) * 100 / engaged END FROM f
    ORDER BY stage`,
  popular_items: `WITH ${items}
    SELECT row_number() OVER (ORDER BY revenue DESC, click_count DESC, item_id) AS rank, item_id, category, click_count, purchase_count, revenue, ${ratio}
    FROM items ORDER BY revenue DESC, click_count DESC, item_id LIMIT 100`,
  popular_categories: `WITH ${items},
    g AS (SELECT category, count(*) AS item_count, sum(click_count) AS click_count, sum(purchase_count) AS purchase_count, sum(revenue) AS revenue FROM items GROUP BY category)
    SELECT row_number() OVER (ORDER BY revenue DESC, click_count DESC, category) AS rank, category, item_count, click_count, purchase_count, revenue, ${ratio}
    FROM g ORDER BY revenue DESC, click_count DESC, category LIMIT 20`,
  trending: `WITH w AS (SELECT item_id, ts >= $start AS recent FROM clicks WHERE ts >= $start - INTERVAL 3 DAY AND ts < $end),
    t AS (SELECT item_id, count(*) FILTER (WHERE recent) AS recent_clicks, count(*) FILTER (WHERE NOT recent) AS baseline_total FROM w GROUP BY item_id)
    SELECT row_number() OVER (ORDER BY (recent_clicks + 1) * 3 / (baseline_total + 3) DESC, recent_clicks DESC, item_id) AS rank,
           item_id, recent_clicks, baseline_total / 3 AS baseline_clicks, (recent_clicks + 1) * 3 / (baseline_total + 3) AS trend_score
    FROM t ORDER BY trend_score DESC, recent_clicks DESC, item_id LIMIT 100`,
};

type Rows = Record<string, unknown>[];
const withTimestamps = (sql: string, suffix: string) =>
  sql.replaceAll('$start', `CAST($start${suffix} AS TIMESTAMP)`).replaceAll('$end', `CAST($end${suffix} AS TIMESTAMP)`);
const bounds = (day: string, suffix = '') => ({ [`start${suffix}`]: `${day} 00:00:00`, [`end${suffix}`]: `${addDays(day, 1)} 00:00:00` });

async function duckDay(connection: DuckDBConnection, day: string): Promise<Record<StepName, Rows>> {
  const out = {} as Record<StepName, Rows>;
  for (const step of STEP_NAMES) out[step] = (await connection.runAndReadAll(withTimestamps(DUCK[step], ''), bounds(day))).getRowObjectsJS() as Rows;
  return out;
}

/** The ClickHouse backfill's shape in DuckDB: per step, the chunk's days as one UNION ALL of the one-day queries. */
async function duckChunk(connection: DuckDBConnection, chunk: readonly string[]): Promise<void> {
  const params = Object.assign({}, ...chunk.map((day, i) => bounds(day, `_${i}`))) as Record<string, string>;
  for (const step of STEP_NAMES) {
    await connection.runAndReadAll(chunk.map((_, i) => `SELECT * FROM (${withTimestamps(DUCK[step], `_${i}`)})`).join(' UNION ALL '), params);
  }
}

// ---- ClickHouse: a private database with the same rows
const database = `bench_rollup_${Date.now().toString(36)}`;
const admin = createClickHouse(config, { database: 'default' });
await createSandboxDatabase(admin, config, database);
const client = createClickHouse(config, { database });
try {
  const [, loadMs] = await timed(async () => {
    await loadDatFile(client, { kind: 'clicks', file: clicksDat });
    await loadDatFile(client, { kind: 'purchases', file: buysDat });
  });
  // Measure at steady state, as a nightly run finds yesterday: background merges of the load done.
  const [, settleMs] = await timed(async () => {
    for (let quiet = 0, waited = 0; quiet < 3 && waited < 180; waited++) {
      const [row] = await (await client.query({
        query: 'SELECT count() AS n FROM system.merges WHERE database = {db:String}',
        query_params: { db: database },
        format: 'JSONEachRow',
      })).json<{ n: string | number }>();
      quiet = Number(row?.n ?? 0) === 0 ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  });
  const deps = { client, logger };
  const run = { attempts: 1, retryDelayMs: 0, runId: `bench-${database}` };

  /** The five SELECTs one after another, each on the source the rollup would pick (day checks included). */
  const chQueries = async (day: string, checker: DayChecker | undefined) => {
    for (const step of STEP_NAMES) {
      const source = checker ? (await checker.sourcesFor(ROLLUP_STEPS[step], [day]))[0]! : 'raw';
      await (await client.query({ query: ROLLUP_STEPS[step].select(source), query_params: { day }, format: 'JSONEachRow' })).json();
    }
  };
  /**
   * Best wall time of each piece of work over `rounds` rounds, the pieces
   * taking turns within a round: the machine is shared, so every contender
   * meets the same disturbances, and the best run is the least disturbed.
   */
  const contest = async <K extends string>(rounds: number, work: Record<K, () => Promise<unknown>>): Promise<Record<K, number>> => {
    const bestMs = Object.fromEntries(Object.keys(work).map((key) => [key, Infinity])) as Record<K, number>;
    for (let round = 0; round < rounds; round++) {
      for (const key of Object.keys(work) as K[]) bestMs[key] = Math.min(bestMs[key], (await timed(work[key]))[1]);
    }
    return bestMs;
  };
  const chunkDays = Number(values['chunk-days']);
  const chunks = Array.from({ length: Math.ceil(days.length / chunkDays) }, (_, i) => days.slice(i * chunkDays, (i + 1) * chunkDays));

  // Warm both engines once (file caches, first-query compilation), then measure.
  await rollupDay(deps, oneDay, run);
  await duckDay(duck, oneDay);

  const one = await contest(5, {
    rollup: () => rollupDay(deps, oneDay, run),
    queries: () => chQueries(oneDay, new DayChecker(client)),
    raw: () => chQueries(oneDay, undefined),
    duck: () => duckDay(duck, oneDay),
  });
  let rangeOk = true;
  const range = await contest(3, {
    rollup: async () => {
      rangeOk &&= (await rollupDays(deps, days, { ...run, chunkDays, concurrency: Number(values.concurrency) })).ok;
    },
    queries: async () => {
      const checker = new DayChecker(client);
      for (const day of days) await chQueries(day, checker);
    },
    duck: async () => {
      for (const day of days) await duckDay(duck, day);
    },
    duckChunked: async () => {
      for (const chunk of chunks) await duckChunk(duck, chunk);
    },
  });
  const rangeRaw = await contest(1, {
    raw: async () => {
      for (const day of days) await chQueries(day, undefined);
    },
  });
  if (!rangeOk) throw new Error('the ClickHouse backfill failed');
  const duckResults: Record<string, Record<StepName, Rows>> = {};
  for (const day of days) duckResults[day] = await duckDay(duck, day);

  // ---- DuckDB's numbers must be the rollup's
  const FLOATS = /rate|avg_|percentage|ratio|baseline|score/;
  const problems: string[] = [];
  const order: Record<StepName, string> = { daily_metrics: '', session_funnel: 'stage', popular_items: 'rank', popular_categories: 'rank', trending: 'rank' };
  for (const step of STEP_NAMES) {
    const table = ROLLUP_STEPS[step].table;
    for (const day of days) {
      const got = await (await client.query({
        query: `SELECT * EXCEPT day FROM ${table} WHERE day = {day:Date}${order[step] ? ` ORDER BY ${order[step]}` : ''}`,
        query_params: { day },
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      })).json<Rows[number]>();
      const want = duckResults[day]![step];
      if (got.length !== want.length) problems.push(`${day} ${step}: ${got.length} rows vs DuckDB ${want.length}`);
      want.forEach((row, i) => {
        for (const [column, value] of Object.entries(row)) {
          const a = got[i]?.[column];
          const same = FLOATS.test(column) ? Math.abs(Number(a) - Number(value)) <= 1e-9 : String(a) === String(value);
          if (!same && problems.length < 20) problems.push(`${day} ${step} row ${i + 1} ${column}: ClickHouse ${String(a)} vs DuckDB ${String(value)}`);
        }
      });
    }
  }

  const cell = (ms: number | undefined) => (ms === undefined ? '—' : `${seconds(ms)} s`).padStart(12);
  const row = (label: string, r: { rollup: number; queries: number; raw: number; duck: number; duckChunked?: number }) => {
    const fastestDuck = Math.min(r.duck, r.duckChunked ?? Infinity);
    return `${label.padEnd(16)}${cell(r.rollup)}${cell(r.queries)}${cell(r.raw)}${cell(r.duck)}${cell(r.duckChunked)}   ${(fastestDuck / r.rollup).toFixed(2)}×`;
  };
  const lines = [
    `data: ${Number(counts.clicks).toLocaleString('en')} clicks, ${Number(counts.buys).toLocaleString('en')} buys, ${days[0]}..${days.at(-1)} (${days.length} days); one day = ${oneDay}; backfill in chunks of ${chunkDays} days`,
    `ClickHouse load of the .dat files into the raw tables (live views included): ${seconds(loadMs)} s; background merges settled after ${seconds(settleMs)} s more`,
    '',
    `${''.padEnd(16)}${'ClickHouse'.padStart(12)}${'ClickHouse'.padStart(12)}${'ClickHouse'.padStart(12)}${'DuckDB'.padStart(12)}${'DuckDB'.padStart(12)}   fastest DuckDB ÷`,
    `${'scope'.padEnd(16)}${'rollup'.padStart(12)}${'SELECTs'.padStart(12)}${'raw SELECTs'.padStart(12)}${'per day'.padStart(12)}${'chunked'.padStart(12)}   ClickHouse rollup`,
    row('one day', one),
    row(`${days.length}-day backfill`, { ...range, ...rangeRaw }),
    '',
    problems.length === 0 ? `DuckDB's results equal the rollup's for every step of every day (${STEP_NAMES.length} × ${days.length})` : `MISMATCHES:\n  ${problems.join('\n  ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (problems.length > 0) process.exitCode = 1;
} finally {
  await client.close();
  if (!values.keep) await dropSandboxDatabase(admin, database);
  else process.stdout.write(`kept database ${database}\n`);
  await admin.close();
  duck.closeSync();
}
