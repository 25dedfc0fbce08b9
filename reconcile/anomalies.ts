/**
 * The detector's two outputs against each other and against the injections:
 * the anomaly topic holds every row of anomaly_sessions exactly once (keyed
 * by session, anomaly type and window start) and nothing else, and every
 * injected session is in both with the window it had to trip.
 */
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { createValueDecoder } from '../lib/avro-codec.ts';
import { readWholeTopic } from '../lib/topic-read.ts';
import { TOPICS } from '../lib/topics.ts';
import { anomalyEventSchema } from '../schemas/index.ts';
import { anomalyKey } from '../detector/anomaly-topic.ts';
import { detectorTables } from '../detector/tables.ts';
import type { Injection } from '../ingest/producer/anomaly-injector.ts';
import type { Check } from './check.ts';

export async function anomalyChecks(
  pool: pg.Pool,
  pgSchema: string,
  kafka: Kafka,
  registry: SchemaRegistry,
  injections: readonly Injection[] | undefined,
): Promise<Check[]> {
  const { rows } = await pool.query<{ session_id: string; anomaly_type: string; window_start: Date }>(
    `SELECT session_id, anomaly_type, window_start FROM ${detectorTables(pgSchema).anomalies}`,
  );
  const inPostgres = new Set(rows.map((r) => anomalyKey(r.session_id, r.anomaly_type, r.window_start.getTime())));

  const decode = createValueDecoder(registry, anomalyEventSchema);
  const onTopic = new Map<string, number>();
  for (const { message } of await readWholeTopic(kafka, TOPICS.anomalies)) {
    if (!message.value) continue;
    const event = await decode(message.value);
    const k = anomalyKey(event.session_id, event.anomaly_type, event.window_start);
    onTopic.set(k, (onTopic.get(k) ?? 0) + 1);
  }
  const records = [...onTopic.values()].reduce((a, b) => a + b, 0);
  const checks: Check[] = [
    { check: `${TOPICS.anomalies}: anomalies = PostgreSQL anomaly_sessions rows`, expected: inPostgres.size, actual: [...inPostgres].filter((k) => onTopic.has(k)).length },
    { check: `${TOPICS.anomalies}: duplicate records`, expected: 0, actual: records - onTopic.size },
    { check: `${TOPICS.anomalies}: anomalies not in PostgreSQL`, expected: 0, actual: [...onTopic.keys()].filter((k) => !inPostgres.has(k)).length },
  ];
  if (injections) {
    const wanted = injections.map((i) => anomalyKey(i.session_id, i.anomaly_type, i.window_start));
    const injectedSessions = new Set(injections.map((i) => String(i.session_id)));
    checks.push(
      { check: 'injected anomalies in PostgreSQL with their window', expected: wanted.length, actual: wanted.filter((k) => inPostgres.has(k)).length },
      { check: 'PostgreSQL rows of injected sessions', expected: wanted.length, actual: rows.filter((r) => injectedSessions.has(String(r.session_id))).length },
      { check: `injected anomalies on ${TOPICS.anomalies}, once each`, expected: wanted.length, actual: wanted.filter((k) => onTopic.get(k) === 1).length },
    );
  }
  return checks;
}
