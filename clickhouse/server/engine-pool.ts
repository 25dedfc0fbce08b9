/**
 * The chDB engine of this process: one data directory, one anchor Session
 * held open for the whole life of the process, and a pool of further
 * Sessions (connections to the same directory) that requests lease one at a
 * time.
 *
 * Guarantees:
 * - The anchor is opened first, with `--async_load_databases=0`, so every
 *   table, including Kafka engine tables and their materialized views, is
 *   loaded before the first request, and the engine (with its background
 *   consumers) lives until `close()`. Requests never run on the anchor.
 * - A lease is exclusive: no two requests share a connection, so connection
 *   state (SET, USE) never leaks between concurrent requests. chDB runs
 *   queries on one connection one after another, but separate connections in
 *   parallel; hence the pool.
 * - A leased connection that was given request state (settings, a database,
 *   or ran SET/USE itself) is closed on release instead of being reused;
 *   opening a new one costs a fraction of a millisecond. Reused connections
 *   are therefore always pristine (database `default`, default settings).
 * - At most `maxConcurrency` leases are out; further requests wait in FIFO
 *   order. chDB's async calls occupy a libuv thread-pool thread each, so the
 *   bound is kept below the pool size to leave room for zlib and fs work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Session, drainPending } from 'chdb';
import type { Logger } from '../../lib/logger.ts';
import { GuardianError } from '../../lib/errors.ts';

export interface EnginePoolOptions {
  dataDir: string;
  /** Leases out at once. */
  maxConcurrency: number;
  /** Engine arguments for the anchor connection (`clickhouse local` command-line form). */
  connectionArgs?: readonly string[];
  logger: Logger;
}

export interface EngineLease {
  readonly session: Session;
  /** The connection now carries request state: close it on release rather than reuse it. */
  markDirty(): void;
  release(): void;
}

interface Waiter {
  resolve: (lease: EngineLease) => void;
  reject: (error: unknown) => void;
}

export const DEFAULT_CONNECTION_ARGS = ['--async_load_databases=0', '--async_load_system_database=0'] as const;

/** Default concurrency: one less than the libuv thread pool, at least one. */
export function defaultMaxConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const threads = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  return Math.max(1, (Number.isInteger(threads) && threads > 0 ? threads : 4) - 1);
}

export class EnginePool {
  readonly dataDir: string;
  readonly anchor: Session;
  private readonly maxConcurrency: number;
  private readonly logger: Logger;
  private readonly idle: Session[] = [];
  private readonly waiters: Waiter[] = [];
  private active = 0;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(options: EnginePoolOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.maxConcurrency = Math.max(1, options.maxConcurrency);
    this.logger = options.logger;
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.anchor = new Session(this.dataDir, { connectionArgs: options.connectionArgs ?? DEFAULT_CONNECTION_ARGS });
  }

  /** Leases a connection, waiting for one when `maxConcurrency` are out. */
  acquire(): Promise<EngineLease> {
    if (this.closed) return Promise.reject(new GuardianError('the chDB engine is shutting down'));
    if (this.active < this.maxConcurrency) {
      this.active++;
      try {
        return Promise.resolve(this.lease(this.take()));
      } catch (error) {
        this.active--;
        return Promise.reject(error);
      }
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private take(): Session {
    return this.idle.pop() ?? new Session(this.dataDir);
  }

  private lease(session: Session): EngineLease {
    let dirty = false;
    let released = false;
    return {
      session,
      markDirty: () => {
        dirty = true;
      },
      release: () => {
        if (released) return;
        released = true;
        if (dirty || this.closed) session.close();
        else this.idle.push(session);
        this.handOver();
      },
    };
  }

  /** Passes a freed slot to the next waiter, or gives it back. */
  private handOver(): void {
    const next = this.waiters.shift();
    if (next) {
      try {
        next.resolve(this.lease(this.take()));
      } catch (error) {
        next.reject(error);
        this.handOver();
      }
      return;
    }
    this.active--;
    if (this.active === 0) this.drained?.();
  }

  /**
   * Refuses new leases, waits up to `graceMs` for the ones out, then closes
   * every connection (the anchor last) and waits until chDB has nothing
   * running.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new GuardianError('the chDB engine is shutting down'));
    if (this.active > 0) {
      this.logger.info({ active: this.active }, 'waiting for running queries before closing the engine');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const session of this.idle.splice(0)) session.close();
    this.anchor.close();
    await drainPending();
  }
}
