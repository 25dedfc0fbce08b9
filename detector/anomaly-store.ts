/**
 * The detector's PostgreSQL side: one transaction per micro-batch writes the
 * anomaly rows (idempotently), enqueues the newly inserted ones for the
 * anomaly topic, and stores the partitions' checkpoints — all or nothing.
 *
 * - Rows: INSERT … ON CONFLICT (session_id, anomaly_type, window_start) DO
 *   NOTHING, so the first write of a window wins (with its detected_at) and a
 *   replay or a second process writing the same window changes nothing.
 * - Outbox: exactly the rows this statement inserted (RETURNING), in the same
 *   transaction, so a row is enqueued once, ever.
 * - Checkpoints: upserted per (group, topic, partition) only forward
 *   (`WHERE next_offset <= EXCLUDED.next_offset`): a process that lost the
 *   partition in a rebalance and writes late can never move it back.
 */
import os from 'node:os';
import type { Pool } from '../lib/clients/postgres.ts';
import { GuardianError } from '../lib/errors.ts';
import type { DetectedRow, PartitionCheckpoint } from './partition-detector.ts';
import { inTransaction, type TransactionTimeouts } from './postgres-transaction.ts';
import { encodeSnapshot } from './snapshot-codec.ts';
import { TABLE_NAMES, type DetectorTables } from './tables.ts';

export interface StoredCheckpoint {
  nextOffset: number;
  snapshot: Buffer;
}

export interface CommitResult {
  /** Rows new to anomaly_sessions (and enqueued for the topic), by type. */
  inserted: Record<string, number>;
  /** Checkpoints written (bytes of snapshot, in total). */
  checkpointBytes: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class AnomalyStore {
  private readonly writtenBy = `${os.hostname()}:${process.pid}`;

  constructor(
    private readonly pool: Pool,
    readonly tables: DetectorTables,
    private readonly scope: { groupId: string; topic: string; outputTopic: string },
    private readonly timeouts: TransactionTimeouts = {},
  ) {}

  /** Fails with the command to run when a table is missing. */
  async verifyTables(): Promise<void> {
    const { rows } = await this.pool.query<{ name: string; found: string | null }>(
      'SELECT name, to_regclass(format($2, $1::text, name))::text AS found FROM unnest($3::text[]) AS name',
      [this.tables.schema, '%I.%I', Object.values(TABLE_NAMES)],
    );
    const missing = rows.filter((r) => r.found === null).map((r) => r.name);
    if (missing.length === 0) {
      const { rowCount } = await this.pool.query(
        'SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3',
        [this.tables.schema, TABLE_NAMES.outbox, 'attempt_offsets'],
      );
      if (rowCount === 0) missing.push(`${TABLE_NAMES.outbox}.attempt_offsets`);
    }
    if (missing.length > 0) {
      throw new GuardianError(
        `PostgreSQL schema "${this.tables.schema}" lacks ${missing.join(', ')}: run \`npx guardian migrate\` (or set DETECTOR_PG_SCHEMA to the schema that has them)`,
      );
    }
  }

  async loadCheckpoint(partition: number): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.pool.query<{ next_offset: string; snapshot: Buffer }>(
      `SELECT next_offset, snapshot FROM ${this.tables.checkpoints} WHERE group_id = $1 AND topic = $2 AND partition = $3`,
      [this.scope.groupId, this.scope.topic, partition],
    );
    const row = rows[0];
    return row ? { nextOffset: Number(row.next_offset), snapshot: row.snapshot } : undefined;
  }

  /** Encodes the snapshots (before the transaction: it can take a while for a big state). */
  async encode(checkpoints: readonly PartitionCheckpoint[]): Promise<EncodedCheckpoint[]> {
    const out: EncodedCheckpoint[] = [];
    for (const c of checkpoints) {
      const { data, busyMs } = await encodeSnapshot(c.snapshot);
      out.push({ ...c, stored: data, encodeMs: busyMs });
    }
    return out;
  }

  /** The micro-batch's one transaction. */
  async commit(rows: readonly DetectedRow[], checkpoints: readonly EncodedCheckpoint[]): Promise<CommitResult> {
    const { anomalies, outbox, checkpoints: checkpointTable } = this.tables;
    return inTransaction(
      this.pool,
      async (query) => {
        const inserted: Record<string, number> = {};
        if (rows.length > 0) {
          const result = await query(
            `WITH input AS (
               SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::int[], $7::timestamptz[])
                 AS t(session_id, anomaly_type, window_start, window_end, click_count, unique_items, detected_at)
             ), inserted AS (
               INSERT INTO ${anomalies} (session_id, anomaly_type, window_start, window_end, click_count, unique_items, detected_at)
               SELECT * FROM input ORDER BY session_id, anomaly_type, window_start
               ON CONFLICT (session_id, anomaly_type, window_start) DO NOTHING
               RETURNING session_id, anomaly_type, window_start
             ), enqueued AS (
               INSERT INTO ${outbox} (topic, session_id, anomaly_type, window_start)
               SELECT $8, session_id, anomaly_type, window_start FROM inserted
               RETURNING anomaly_type
             )
             SELECT anomaly_type, count(*)::int AS n FROM enqueued GROUP BY anomaly_type`,
            [
              rows.map((r) => r.sessionId),
              rows.map((r) => r.anomalyType),
              rows.map((r) => iso(r.windowStartMs)),
              rows.map((r) => iso(r.windowEndMs)),
              rows.map((r) => r.clickCount),
              rows.map((r) => r.uniqueItems),
              rows.map((r) => iso(r.detectedAtMs)),
              this.scope.outputTopic,
            ],
          );
          for (const r of result.rows) inserted[r.anomaly_type as string] = r.n as number;
        }
        let checkpointBytes = 0;
        for (const c of checkpoints) {
          await query(
            `INSERT INTO ${checkpointTable} AS c (group_id, topic, partition, next_offset, snapshot, max_event_time, open_windows, written_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
             ON CONFLICT (group_id, topic, partition) DO UPDATE SET
               next_offset = EXCLUDED.next_offset, snapshot = EXCLUDED.snapshot, max_event_time = EXCLUDED.max_event_time,
               open_windows = EXCLUDED.open_windows, written_by = EXCLUDED.written_by, updated_at = EXCLUDED.updated_at
             WHERE c.next_offset <= EXCLUDED.next_offset`,
            [
              this.scope.groupId,
              this.scope.topic,
              c.partition,
              c.nextOffset,
              c.stored,
              c.maxEventTimeMs === null ? null : iso(c.maxEventTimeMs),
              c.openWindows,
              this.writtenBy,
            ],
          );
          checkpointBytes += c.stored.length;
        }
        return { inserted, checkpointBytes };
      },
      this.timeouts,
    );
  }
}

export interface EncodedCheckpoint extends PartitionCheckpoint {
  /** gzip of the snapshot's JSON. */
  readonly stored: Buffer;
  /** Event-loop time the encoding took. */
  readonly encodeMs: number;
}
