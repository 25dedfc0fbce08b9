/**
 * `guardian reconcile`: do the stores agree? For each raw topic it compares
 * the records Kafka holds (end − start offsets; the producers are not
 * transactional, so offsets are records) with the distinct
 * (partition, offset) pairs in ClickHouse's raw table and in the lake (read
 * by ClickHouse's `s3()`), and reports duplicates; it compares the rolled-up
 * daily totals with a recount from the deduplicated raw rows; and, given an
 * injections log, checks that every injected session is in PostgreSQL
 * exactly once with the window it had to trip. Prints a table; the exit code
 * is 1 on any mismatch.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { createClickHouse } from '../lib/clients/clickhouse.ts';
import { createPostgresPool } from '../lib/clients/postgres.ts';
import { loadConfig, type Config } from '../lib/config.ts';
import { countTopicRecords } from '../lib/topic-size.ts';
import { TOPICS } from '../lib/topics.ts';
import { detectorTables } from '../detector/tables.ts';
import type { Injection } from '../ingest/producer/anomaly-injector.ts';

export interface Check {
  check: string;
  expected: number;
  actual: number;
}

const RAW_TABLES = { [TOPICS.clicks]: 'clicks_raw', [TOPICS.purchases]: 'purchases_raw' } as const;

export async function reconcile(config: Config, options: { injectionsLog?: string; lakePrefix?: string } = {}): Promise<Check[]> {
  const clickhouse = createClickHouse(config);
  const checks: Check[] = [];
  const one = async (query: string, params: Record<string, unknown> = {}) => {
    const result = await clickhouse.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
    return (await result.json<Record<string, number>>())[0] ?? {};
  };
  try {
    for (const [topic, table] of Object.entries(RAW_TABLES)) {
      const inKafka = await countTopicRecords(config, topic, 'guardian-reconcile');
      const raw = await one(`SELECT count() AS rows, uniqExact(_partition, _offset) AS distinct FROM ${table} WHERE _topic = {topic:String}`, { topic });
      const lake = await one(
        `SELECT count() AS rows, uniqExact(_partition, _offset) AS distinct
         FROM s3({url:String}, {key:String}, {secret:String}, 'Parquet')`,
        {
          url: `${config.s3.endpoint}/${config.s3.bucket}/${options.lakePrefix ?? 'topics'}/${topic}/**.parquet`,
          key: config.s3.accessKeyId,
          secret: config.s3.secretAccessKey,
        },
      );
      checks.push(
        { check: `${topic}: ClickHouse raw rows (distinct offsets) = Kafka records`, expected: inKafka, actual: raw.distinct ?? 0 },
        { check: `${topic}: ClickHouse raw duplicates`, expected: 0, actual: (raw.rows ?? 0) - (raw.distinct ?? 0) },
        { check: `${topic}: lake rows = Kafka records`, expected: inKafka, actual: lake.rows ?? 0 },
        { check: `${topic}: lake duplicates`, expected: 0, actual: (lake.rows ?? 0) - (lake.distinct ?? 0) },
      );
    }
    const result = await clickhouse.query({
      query: `SELECT toString(m.day) AS day, m.total_clicks AS rolled_up, r.clicks AS recount
              FROM daily_metrics AS m
              LEFT JOIN (SELECT toDate(timestamp) AS day, uniqExact(_topic, _partition, _offset) AS clicks FROM clicks_raw GROUP BY day) AS r USING day
              ORDER BY day`,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    for (const row of await result.json<{ day: string; rolled_up: number; recount: number }>()) {
      checks.push({ check: `daily_metrics ${row.day}: total_clicks = recount from raw`, expected: row.recount, actual: row.rolled_up });
    }
  } finally {
    await clickhouse.close();
  }
  if (options.injectionsLog) {
    const injections = fs.readFileSync(options.injectionsLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Injection);
    const pool = createPostgresPool(config, { max: 1 });
    try {
      const table = detectorTables(config.detector.pgSchema).anomalies;
      const { rows } = await pool.query<{ session_id: string; anomaly_type: string; window_start: Date }>(
        `SELECT session_id, anomaly_type, window_start FROM ${table} WHERE session_id = ANY($1::bigint[])`,
        [injections.map((i) => String(i.session_id))],
      );
      const found = new Set(rows.map((r) => `${r.session_id}|${r.anomaly_type}|${r.window_start.getTime()}`));
      const matched = injections.filter((i) => found.has(`${i.session_id}|${i.anomaly_type}|${i.window_start}`)).length;
      checks.push(
        { check: 'injected anomalies found in PostgreSQL with their window', expected: injections.length, actual: matched },
        { check: 'anomaly rows of injected sessions', expected: injections.length, actual: rows.length },
      );
    } finally {
      await pool.end();
    }
  }
  return checks;
}

export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description('check that Kafka, the lake, ClickHouse and PostgreSQL agree; exit 1 on any mismatch')
    .option('--injections-log <file>', 'also check these injected anomalies (e.g. data/demo/injections.jsonl)')
    .option('--lake-prefix <prefix>', 'the lake sink\'s key prefix', 'topics')
    .action(async (options: { injectionsLog?: string; lakePrefix: string }) => {
      const checks = await reconcile(loadConfig(), options);
      const width = Math.max(...checks.map((c) => c.check.length));
      for (const c of checks) {
        const ok = c.expected === c.actual;
        process.stdout.write(`${ok ? 'ok      ' : 'MISMATCH'}  ${c.check.padEnd(width)}  expected ${c.expected}  got ${c.actual}\n`);
      }
      const bad = checks.filter((c) => c.expected !== c.actual).length;
      process.stdout.write(bad === 0 ? `all ${checks.length} checks agree\n` : `${bad} of ${checks.length} checks disagree\n`);
      if (bad > 0) process.exitCode = 1;
    });
}
