/**
 * The raw topics against their copies: Kafka records (end − start offsets;
 * the raw producers are not transactional, so offsets are records) against
 * the distinct (partition, offset) pairs in ClickHouse's raw table and in the
 * lake (read by ClickHouse's `s3()`), with duplicates reported apart; and the
 * rolled-up daily totals against a recount from the deduplicated raw rows.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../lib/config.ts';
import { TOPICS } from '../lib/topics.ts';
import type { Check } from './check.ts';

export const RAW_TABLES = { [TOPICS.clicks]: 'clicks_raw', [TOPICS.purchases]: 'purchases_raw' } as const;

type Row = Record<string, number>;

async function rows<T = Row>(clickhouse: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await clickhouse.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  return result.json<T>();
}

export async function rawStoreChecks(
  clickhouse: ClickHouseClient,
  config: Config,
  kafkaRecords: Readonly<Record<string, number>>,
  lakePrefix: string,
): Promise<Check[]> {
  const checks: Check[] = [];
  for (const [topic, table] of Object.entries(RAW_TABLES)) {
    const inKafka = kafkaRecords[topic] ?? 0;
    const [raw = {}] = await rows(clickhouse, `SELECT count() AS rows, uniqExact(_partition, _offset) AS distinct FROM ${table} WHERE _topic = {topic:String}`, { topic });
    const [lake = {}] = await rows(
      clickhouse,
      `SELECT count() AS rows, uniqExact(_partition, _offset) AS distinct FROM s3({url:String}, {key:String}, {secret:String}, 'Parquet')`,
      { url: `${config.s3.endpoint}/${config.s3.bucket}/${lakePrefix}/${topic}/**.parquet`, key: config.s3.accessKeyId, secret: config.s3.secretAccessKey },
    );
    checks.push(
      { check: `${topic}: ClickHouse raw rows (distinct offsets) = Kafka records`, expected: inKafka, actual: raw.distinct ?? 0 },
      { check: `${topic}: ClickHouse raw duplicates`, expected: 0, actual: (raw.rows ?? 0) - (raw.distinct ?? 0) },
      { check: `${topic}: lake rows = Kafka records`, expected: inKafka, actual: lake.rows ?? 0 },
      { check: `${topic}: lake duplicates`, expected: 0, actual: (lake.rows ?? 0) - (lake.distinct ?? 0) },
    );
  }
  const days = await rows<{ day: string; rolled_up: number; recount: number }>(
    clickhouse,
    `SELECT toString(m.day) AS day, m.total_clicks AS rolled_up, r.clicks AS recount
     FROM daily_metrics AS m
     LEFT JOIN (SELECT toDate(timestamp) AS day, uniqExact(_topic, _partition, _offset) AS clicks FROM clicks_raw GROUP BY day) AS r USING day
     ORDER BY day`,
  );
  for (const row of days) checks.push({ check: `daily_metrics ${row.day}: total_clicks = recount from raw`, expected: row.recount, actual: row.rolled_up });
  return checks;
}
