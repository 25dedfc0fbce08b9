/**
 * `guardian reconcile`: do the stores agree? Every check compares a count
 * from one store with the same count from another (or with the producer's
 * logs); see raw-stores.ts, produce-runs.ts and anomalies.ts for what each
 * compares. Whole topics and tables are compared, so run it when the
 * pipeline has caught up (nothing being produced, the lake sink's files
 * closed, the rollup run for the days to check).
 */
import type { Config } from '../lib/config.ts';
import { createClickHouse } from '../lib/clients/clickhouse.ts';
import { createKafka } from '../lib/clients/kafka.ts';
import { createPostgresPool } from '../lib/clients/postgres.ts';
import { createRegistry } from '../lib/clients/registry.ts';
import { readJsonLines } from '../lib/json-lines.ts';
import { topicRecordCount } from '../lib/topic-size.ts';
import type { Injection } from '../ingest/producer/anomaly-injector.ts';
import { readProduceRuns } from '../ingest/producer/run-log.ts';
import { anomalyChecks } from './anomalies.ts';
import type { Check } from './check.ts';
import { produceRunChecks } from './produce-runs.ts';
import { RAW_TABLES, rawStoreChecks } from './raw-stores.ts';

export { agrees, formatChecks, type Check } from './check.ts';

export interface ReconcileOptions {
  /** The injected sessions (producer --injections-log). */
  injectionsLog?: string;
  /** The producer's run log (producer --run-log). */
  produceLog?: string;
  /** The lake sink's key prefix. @default topics */
  lakePrefix?: string;
}

export function readInjections(file: string): Injection[] {
  return readJsonLines(file).map(({ value }) => value as Injection);
}

export async function reconcile(config: Config, options: ReconcileOptions = {}): Promise<Check[]> {
  const runs = options.produceLog ? readProduceRuns(options.produceLog) : undefined;
  const injections = options.injectionsLog ? readInjections(options.injectionsLog) : undefined;
  const kafka = createKafka(config, 'guardian-reconcile');
  const registry = createRegistry(config);
  const admin = kafka.admin();
  await admin.connect();
  const topics = new Set([...Object.keys(RAW_TABLES), ...(runs ?? []).map((r) => r.topic)]);
  const kafkaRecords: Record<string, number> = {};
  try {
    for (const topic of topics) kafkaRecords[topic] = await topicRecordCount(admin, topic);
  } finally {
    await admin.disconnect();
  }

  const clickhouse = createClickHouse(config);
  const pool = createPostgresPool(config, { max: 1 });
  try {
    return [
      ...(runs ? await produceRunChecks(runs, kafka, registry, kafkaRecords) : []),
      ...(await rawStoreChecks(clickhouse, config, kafkaRecords, options.lakePrefix ?? 'topics')),
      ...(await anomalyChecks(pool, config.detector.pgSchema, kafka, registry, injections)),
    ];
  } finally {
    await clickhouse.close();
    await pool.end();
  }
}
