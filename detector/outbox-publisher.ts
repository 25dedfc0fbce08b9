/**
 * Publishes the outbox to the anomaly topic: an Avro `AnomalyEvent` per row,
 * keyed by session_id, through the idempotent producer; the rows leave the
 * outbox in the transaction that selected them, after the broker acknowledged
 * them (acks from all in-sync replicas).
 *
 * Guarantee for the topic: every row of anomaly_sessions is published at
 * least once, with the same key and the same value every time (every field,
 * detected_at included, comes from the stored row). A row is published twice
 * only if the process dies, or PostgreSQL fails, between the broker's
 * acknowledgement and the outbox delete's commit; consumers that need exactly
 * once deduplicate on (session_id, anomaly_type, window_start), as
 * anomaly_sessions does. Several processes drain one outbox without stepping
 * on each other (FOR UPDATE SKIP LOCKED), so rows left by a crashed process
 * are picked up by the next drain of any process.
 */
import type { Producer } from 'kafkajs';
import type { Pool } from '../lib/clients/postgres.ts';
import type { ValueEncoder } from '../lib/avro-codec.ts';
import type { AnomalyEvent } from '../schemas/index.ts';
import { inTransaction, type TransactionTimeouts } from './postgres-transaction.ts';
import type { DetectorTables } from './tables.ts';

interface OutboxRow {
  session_id: string;
  anomaly_type: string;
  window_start: Date;
  window_end: Date;
  click_count: number;
  unique_items: number;
  detected_at: Date;
}

const PAGE = 500;

export class OutboxPublisher {
  /** Events acknowledged by the broker, by this process. */
  published = 0;

  constructor(
    private readonly pool: Pool,
    private readonly tables: DetectorTables,
    private readonly producer: Producer,
    private readonly encoder: ValueEncoder<AnomalyEvent>,
    private readonly topic: string,
    private readonly timeouts: TransactionTimeouts = {},
  ) {}

  /** Publishes until the outbox of this topic is empty (or holds only rows another process is publishing). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.publishPage();
      total += n;
      if (n < PAGE) return total;
    }
  }

  private publishPage(): Promise<number> {
    const { outbox, anomalies } = this.tables;
    return inTransaction(
      this.pool,
      async (query) => {
        const { rows } = await query(
          `SELECT a.session_id, a.anomaly_type, a.window_start, a.window_end, a.click_count, a.unique_items, a.detected_at
           FROM ${outbox} o JOIN ${anomalies} a USING (session_id, anomaly_type, window_start)
           WHERE o.topic = $1
           ORDER BY o.enqueued_at, o.session_id, o.anomaly_type, o.window_start
           LIMIT ${PAGE}
           FOR UPDATE OF o SKIP LOCKED`,
          [this.topic],
        );
        if (rows.length === 0) return 0;
        const events = (rows as unknown as OutboxRow[]).map(toEvent);
        await this.producer.send({
          topic: this.topic,
          acks: -1,
          messages: events.map((event) => ({
            key: String(event.session_id),
            value: this.encoder.encode(event),
            timestamp: String(event.detected_at),
          })),
        });
        await query(
          `DELETE FROM ${outbox} WHERE topic = $1 AND (session_id, anomaly_type, window_start) IN (
             SELECT * FROM unnest($2::bigint[], $3::text[], $4::timestamptz[]))`,
          [this.topic, events.map((e) => e.session_id), events.map((e) => e.anomaly_type), rows.map((r) => r.window_start)],
        );
        this.published += events.length;
        return events.length;
      },
      this.timeouts,
    );
  }
}

function toEvent(row: OutboxRow): AnomalyEvent {
  return {
    session_id: Number(row.session_id),
    anomaly_type: row.anomaly_type as AnomalyEvent['anomaly_type'],
    window_start: row.window_start.getTime(),
    window_end: row.window_end.getTime(),
    click_count: row.click_count,
    unique_items: row.unique_items,
    detected_at: row.detected_at.getTime(),
  };
}
