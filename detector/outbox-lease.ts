/**
 * The right to publish one outbox (one PostgreSQL schema, one topic): a
 * session-level advisory lock, held on a connection of its own for as long
 * as the process publishes. PostgreSQL drops it with the session — the
 * process dies, the server restarts, the connection breaks — so the next
 * process to try takes over. The server is told to probe the idle
 * connection (TCP keepalives, ~25 s) so a vanished holder does not keep the
 * lock for the OS default of two hours.
 *
 * Holding the lease does not by itself make a publisher the only one: a
 * holder whose connection broke may not know yet. Kafka's fencing of the
 * transactional id (anomaly-topic.ts) is what refuses such a late writer;
 * the lease keeps publishers from fencing each other in turn.
 */
import type { QueryConfig } from 'pg';
import type { Pool, PoolClient } from '../lib/clients/postgres.ts';
import { connectWithin, type TransactionTimeouts } from './postgres-transaction.ts';

/** First key of every outbox lease (the second is the outbox's name), apart from other advisory locks. */
export const OUTBOX_LOCK_CLASS = 'guardian-anomaly-outbox';

export class OutboxLease {
  private lostBecause: string | undefined;
  private released = false;

  private constructor(
    private readonly client: PoolClient,
    private readonly statementMs: number,
  ) {
    client.on('error', (error: Error) => this.markLost(error.message));
    client.on('end', () => this.markLost('connection closed'));
  }

  /** The lease on `name`, or undefined while another session holds it. */
  static async tryAcquire(pool: Pool, name: string, timeouts: TransactionTimeouts = {}): Promise<OutboxLease | undefined> {
    const statementMs = timeouts.statementMs ?? 10_000;
    const client = await connectWithin(pool, timeouts.connectMs ?? 10_000);
    // A checked-out client with no 'error' listener would crash the process when the server goes away.
    const early = (_error: Error) => undefined;
    client.on('error', early);
    try {
      const query: QueryConfig & { query_timeout: number } = {
        text: 'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked',
        values: [OUTBOX_LOCK_CLASS, name],
        query_timeout: statementMs,
      };
      const { rows } = await client.query<{ locked: boolean }>(query);
      if (!rows[0]?.locked) {
        client.removeListener('error', early);
        client.release();
        return undefined;
      }
      await client.query({ text: 'SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3', query_timeout: statementMs } as QueryConfig);
      const lease = new OutboxLease(client, statementMs);
      client.removeListener('error', early);
      return lease;
    } catch (error) {
      client.removeListener('error', early);
      client.release(true);
      throw error;
    }
  }

  /** False once the lock's connection failed or was released. */
  get held(): boolean {
    return this.lostBecause === undefined && !this.released;
  }

  /** Why the lease was lost, if it was. */
  get lostReason(): string | undefined {
    return this.lostBecause;
  }

  /** Asks the lock's connection for a sign of life: a server restart is noticed here at the latest. */
  async verify(): Promise<boolean> {
    if (!this.held) return false;
    try {
      await this.client.query({ text: 'SELECT 1', query_timeout: this.statementMs } as QueryConfig);
    } catch (error) {
      this.markLost((error as Error).message);
    }
    return this.held;
  }

  /** Ends the lock's session (PostgreSQL releases the lock with it). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.client.release(true);
  }

  private markLost(reason: string): void {
    if (!this.released) this.lostBecause ??= reason;
  }
}
