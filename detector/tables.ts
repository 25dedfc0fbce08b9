/**
 * The detector's PostgreSQL tables (migrations/postgres/0001–0003), qualified
 * with the schema that holds them (DETECTOR_PG_SCHEMA; tests use a schema of
 * their own).
 */
import pg from 'pg';

export interface DetectorTables {
  readonly schema: string;
  /** SPEC §3 rows, primary key (session_id, anomaly_type, window_start). */
  readonly anomalies: string;
  /** Window state + next offset per (group, topic, partition). */
  readonly checkpoints: string;
  /** Rows inserted but not yet known to be on the anomaly topic, with the end offsets of their first attempt. */
  readonly outbox: string;
}

export const TABLE_NAMES = { anomalies: 'anomaly_sessions', checkpoints: 'detector_checkpoints', outbox: 'anomaly_outbox' } as const;

export function detectorTables(schema: string): DetectorTables {
  const q = (table: string) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
  return {
    schema,
    anomalies: q(TABLE_NAMES.anomalies),
    checkpoints: q(TABLE_NAMES.checkpoints),
    outbox: q(TABLE_NAMES.outbox),
  };
}
