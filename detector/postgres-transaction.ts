/**
 * One PostgreSQL transaction with bounded waits, and which failures are worth
 * retrying. A connection that fails in any way is discarded, never returned
 * to the pool; a connect or statement that hangs (a network partition, not a
 * refusal) fails after its timeout instead of stalling the detector.
 */
import type { QueryConfig } from 'pg';
import type { Pool, PoolClient } from '../lib/clients/postgres.ts';
import { GuardianError } from '../lib/errors.ts';

export interface TransactionTimeouts {
  /** Getting a connection from the pool. @default 10000 */
  connectMs?: number;
  /** One statement. @default 120000 */
  statementMs?: number;
}

/** Error codes of a server that is down, restarting, overloaded or in conflict (SQLSTATE classes 08, 53, 57P, 58, 40001/40P01). */
const RETRIABLE_SQLSTATE = /^(08|53|57P|58|40001$|40P01$)/;
const RETRIABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const RETRIABLE_MESSAGE = /Connection terminated|connection error|timeout|timed out|ECONNREFUSED|ECONNRESET|not queryable|socket/i;

/** True for failures of the connection or the server's availability; false for errors in what was asked (SQL, constraints). */
export function isRetriablePostgresError(error: unknown): boolean {
  if (error instanceof GuardianError) return error.retriable;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown[] };
  if (Array.isArray(e.errors) && e.errors.some(isRetriablePostgresError)) return true; // AggregateError of a multi-address connect
  if (typeof e.code === 'string') return RETRIABLE_SQLSTATE.test(e.code) || RETRIABLE_NODE_CODES.has(e.code);
  return typeof e.message === 'string' && RETRIABLE_MESSAGE.test(e.message);
}

/** A connection from the pool, or a retriable error after `timeoutMs`. */
export function connectWithin(pool: Pool, timeoutMs: number): Promise<PoolClient> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new GuardianError(`PostgreSQL: no connection within ${timeoutMs} ms`, { retriable: true }));
    }, timeoutMs);
    pool.connect().then(
      (client) => {
        clearTimeout(timer);
        if (timedOut) client.release(true);
        else resolve(client);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export type Query = (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;

/** Runs `work` inside BEGIN … COMMIT; rolls back and discards the connection on any failure. */
export async function inTransaction<T>(pool: Pool, work: (query: Query) => Promise<T>, timeouts: TransactionTimeouts = {}): Promise<T> {
  const client = await connectWithin(pool, timeouts.connectMs ?? 10_000);
  const statementMs = timeouts.statementMs ?? 120_000;
  const query: Query = (text, values) => {
    // node-postgres honours a per-query read timeout that its typings do not list.
    const config: QueryConfig & { query_timeout: number } = { text, values, query_timeout: statementMs };
    return client.query(config);
  };
  try {
    await query('BEGIN');
    const result = await work(query);
    await query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    throw error;
  }
}
