/**
 * Publishes the outbox to the anomaly topic, exactly once: every row of
 * anomaly_sessions becomes one committed `AnomalyEvent` on the topic (keyed
 * by session_id; every field, detected_at included, from the stored row),
 * whatever crashes — of the process, of PostgreSQL, of the broker — happen
 * in between. Consumers must read committed (kafkajs' and librdkafka's
 * default): aborted attempts stay in the log, invisible to them.
 *
 * How:
 *
 * 1. One publisher per outbox (schema, topic) at a time: the holder of its
 *    PostgreSQL advisory lock (outbox-lease.ts). Other processes skip
 *    publishing; the holder drains every process's rows. A holder whose lock
 *    connection breaks stops publishing until it holds the lock again.
 * 2. A session starts with the lock: a transactional producer with the
 *    fixed id `guardian-anomaly-outbox.<schema>.<topic>` is opened, which
 *    fences the previous holder (its open transaction is aborted, a commit
 *    in flight completes first; anomaly-topic.ts).
 * 3. A page of rows: the topic's end offsets are recorded on them
 *    (attempt_offsets, the first attempt's kept: a lower bound for every
 *    later one) and committed in PostgreSQL; then the page is sent in one
 *    Kafka transaction and committed; then the rows are deleted.
 * 4. Recovery, at the start of every session (after the fencing): the rows
 *    with attempt offsets are looked up on the topic, read committed from
 *    their smallest offset per partition to the end, and those found are
 *    deleted instead of published again.
 *
 * So a failure before the Kafka commit leaves an aborted transaction and the
 * rows in the outbox (published once by the next session); a failure after
 * it leaves rows that recovery finds on the topic (not published again). Any
 * error ends the session — producer closed, lock released — and the next
 * drain starts a new one, recovery included, so an ambiguous commit (no
 * answer) is settled by what the topic holds.
 *
 * Assumes the topic is written by this outbox only (one PostgreSQL schema
 * per anomaly topic) and keeps the records at least as long as rows wait in
 * the outbox (retention).
 */
import type { Pool } from '../lib/clients/postgres.ts';
import type { Logger } from '../lib/logger.ts';
import type { AnomalyEvent } from '../schemas/index.ts';
import { anomalyKey, type AnomalyTopic } from './anomaly-topic.ts';
import { OutboxLease } from './outbox-lease.ts';
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

interface Session {
  lease: OutboxLease;
  topic: AnomalyTopic;
}

export interface OutboxPublisherDeps {
  pool: Pool;
  tables: DetectorTables;
  /** Opens the topic for a new session; opening fences the previous holder of `transactionalId`. */
  openTopic: (transactionalId: string) => Promise<AnomalyTopic>;
  logger: Logger;
}

const PAGE = 500;

export class OutboxPublisher {
  /** Events this process committed to the topic. */
  published = 0;
  /** Rows recovery found already on the topic (committed by a session that did not get to delete them). */
  recovered = 0;

  private session: Session | undefined;
  /** Drains and close() run one at a time. */
  private tail: Promise<unknown> = Promise.resolve();
  private leftToOther = false;
  /** `<schema>.<topic>`: names the lease and the transactional id. */
  readonly outbox: string;

  constructor(
    private readonly deps: OutboxPublisherDeps,
    private readonly topic: string,
    private readonly timeouts: TransactionTimeouts = {},
  ) {
    this.outbox = `${deps.tables.schema}.${topic}`;
  }

  /** The transactional id of this outbox's publisher. */
  get transactionalId(): string {
    return `guardian-anomaly-outbox.${this.outbox}`;
  }

  /**
   * Publishes until the outbox of this topic is empty; 0 at once when another
   * process holds the lease. Throws (after ending the session) when
   * PostgreSQL or Kafka fails; the next call starts over.
   */
  drain(): Promise<number> {
    return this.serialized(async () => {
      const session = await this.currentSession();
      if (!session) return 0;
      try {
        let total = 0;
        // a lease lost meanwhile ends the drain; the next one notices and starts over
        while (session.lease.held) {
          const n = await this.publishPage(session);
          total += n;
          if (n < PAGE) break;
        }
        return total;
      } catch (error) {
        await this.endSession();
        throw error;
      }
    });
  }

  /** Ends the session: closes the producer and releases the lease. */
  close(): Promise<void> {
    return this.serialized(() => this.endSession());
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The session, started (lease, fencing, recovery) if there is none; undefined while another process holds the lease. */
  private async currentSession(): Promise<Session | undefined> {
    const { logger } = this.deps;
    if (this.session) {
      if (await this.session.lease.verify()) return this.session;
      logger.warn({ outbox: this.outbox, reason: this.session.lease.lostReason }, 'outbox lease lost: publishing stops until it is held again');
      await this.endSession();
    }
    const lease = await OutboxLease.tryAcquire(this.deps.pool, this.outbox, this.timeouts);
    if (!lease) {
      if (!this.leftToOther) logger.info({ outbox: this.outbox }, 'another process publishes this outbox: leaving it to that one');
      this.leftToOther = true;
      return undefined;
    }
    this.leftToOther = false;
    let topic: AnomalyTopic | undefined;
    try {
      topic = await this.deps.openTopic(this.transactionalId);
      const recovered = await this.recover(topic);
      this.session = { lease, topic };
      logger.info({ outbox: this.outbox, transactionalId: this.transactionalId, recovered }, 'publishing the outbox (lease held, previous publisher fenced)');
      return this.session;
    } catch (error) {
      await topic?.close();
      lease.release();
      throw error;
    }
  }

  private async endSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    await session.topic.close();
    session.lease.release();
  }

  /** Deletes the rows an earlier session committed to the topic but did not get to delete; returns how many. */
  private async recover(topic: AnomalyTopic): Promise<number> {
    const { outbox } = this.deps.tables;
    const rows = (await inTransaction(
      this.deps.pool,
      async (query) =>
        (await query(`SELECT session_id, anomaly_type, window_start, attempt_offsets FROM ${outbox} WHERE topic = $1 AND attempt_offsets IS NOT NULL`, [this.topic])).rows,
      this.timeouts,
    )) as unknown as { session_id: string; anomaly_type: string; window_start: Date; attempt_offsets: string[] }[];
    if (rows.length === 0) return 0;
    // a partition missing from a row's offsets was added after its attempt began: its records may be anywhere in it
    const partitions = rows.reduce((n, r) => Math.max(n, r.attempt_offsets.length), 0);
    const from = Array.from({ length: partitions }, (_, p) => rows.reduce((min, r) => Math.min(min, Number(r.attempt_offsets[p] ?? 0)), Infinity));
    const onTopic = await topic.keysFrom(from);
    const found = rows.filter((r) => onTopic.has(anomalyKey(r.session_id, r.anomaly_type, r.window_start.getTime())));
    if (found.length > 0) await this.deleteRows(found);
    this.recovered += found.length;
    this.deps.logger.info({ outbox: this.outbox, attempted: rows.length, alreadyOnTopic: found.length }, 'outbox recovery: rows already on the topic removed, the others publish again');
    return found.length;
  }

  private async publishPage(session: Session): Promise<number> {
    const { outbox, anomalies } = this.deps.tables;
    // taken before the rows are claimed, so below any offset their records can get
    const offsets = await session.topic.endOffsets();
    const rows = (await inTransaction(
      this.deps.pool,
      async (query) =>
        (
          await query(
            `WITH page AS (
               SELECT session_id, anomaly_type, window_start, enqueued_at FROM ${outbox}
               WHERE topic = $1
               ORDER BY enqueued_at, session_id, anomaly_type, window_start
               LIMIT ${PAGE}
               FOR UPDATE
             ), claimed AS (
               UPDATE ${outbox} o SET attempt_offsets = coalesce(o.attempt_offsets, $2::bigint[])
               FROM page p
               WHERE o.topic = $1 AND (o.session_id, o.anomaly_type, o.window_start) = (p.session_id, p.anomaly_type, p.window_start)
               RETURNING o.session_id, o.anomaly_type, o.window_start, p.enqueued_at
             )
             SELECT a.session_id, a.anomaly_type, a.window_start, a.window_end, a.click_count, a.unique_items, a.detected_at
             FROM claimed c JOIN ${anomalies} a USING (session_id, anomaly_type, window_start)
             ORDER BY c.enqueued_at, c.session_id, c.anomaly_type, c.window_start`,
            [this.topic, offsets],
          )
        ).rows,
      this.timeouts,
    )) as unknown as OutboxRow[];
    if (rows.length === 0) return 0;
    const transaction = await session.topic.begin();
    await transaction.send(rows.map(toEvent));
    await transaction.commit();
    this.published += rows.length;
    await this.deleteRows(rows);
    return rows.length;
  }

  private async deleteRows(rows: readonly { session_id: string; anomaly_type: string; window_start: Date }[]): Promise<void> {
    await inTransaction(
      this.deps.pool,
      (query) =>
        query(
          `DELETE FROM ${this.deps.tables.outbox} WHERE topic = $1 AND (session_id, anomaly_type, window_start) IN (
             SELECT * FROM unnest($2::bigint[], $3::text[], $4::timestamptz[]))`,
          [this.topic, rows.map((r) => r.session_id), rows.map((r) => r.anomaly_type), rows.map((r) => r.window_start)],
        ),
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
