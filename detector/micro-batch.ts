/**
 * One micro-batch of the detector (every DETECTOR_BATCH_INTERVAL_MS): the
 * rows every owned partition emitted since the last one, and the checkpoints
 * that are due, taken at the same instant (synchronously, so no click is fed
 * in between), written in one PostgreSQL transaction; then the outbox is
 * published; then Kafka offsets are committed.
 *
 * A micro-batch that fails or is cut short keeps its rows for the next one
 * (its checkpoints are simply retaken): rows once handed out by a partition
 * are written before any later checkpoint of it, or — if the process dies —
 * re-derived from the earlier checkpoint by whoever restores it.
 *
 * While PostgreSQL is unavailable the transaction is retried with
 * exponential backoff (up to 5 s apart) and every partition is paused; the
 * first success resumes consumption.
 */
import type { Logger } from '../lib/logger.ts';
import { retry } from '../lib/retry.ts';
import type { AnomalyStore, EncodedCheckpoint } from './anomaly-store.ts';
import { isKafkaError, type ConsumerLoop } from './consumer-loop.ts';
import type { DetectorMetrics } from './metrics.ts';
import type { OutboxPublisher } from './outbox-publisher.ts';
import type { DetectedRow, PartitionCheckpoint, PartitionDetector } from './partition-detector.ts';
import { isRetriablePostgresError } from './postgres-transaction.ts';

export interface MicroBatchDeps {
  loop: ConsumerLoop;
  store: AnomalyStore;
  publisher: OutboxPublisher;
  metrics: DetectorMetrics;
  logger: Logger;
}

export class MicroBatcher {
  /** Rows of a micro-batch that did not commit: they lead the next one. */
  private carried: DetectedRow[] = [];
  private up = true;

  constructor(
    private readonly deps: MicroBatchDeps,
    private readonly options: { checkpointIntervalMs: number; pgSchema: string },
  ) {}

  /** False from the first failed attempt of a transaction until the next success. */
  get postgresUp(): boolean {
    return this.up;
  }

  /**
   * Runs one micro-batch. `final` (at stop): every partition with progress is
   * checkpointed. `signal` ends the retries (the micro-batch then throws, its
   * rows carried over).
   */
  async run(final: boolean, signal: AbortSignal | undefined): Promise<void> {
    const { loop, store, publisher, metrics, logger } = this.deps;
    const started = performance.now();
    const now = Date.now();
    const rows = this.carried;
    this.carried = [];
    const due: PartitionCheckpoint[] = [];
    const owners = new Map<number, PartitionDetector>();
    let snapshotMs = 0;
    for (const detector of loop.owned()) {
      detector.collect(now);
      for (const row of detector.takeRows()) rows.push(row);
      if (final ? detector.nextOffset > detector.checkpointedOffset : detector.checkpointDue(now, this.options.checkpointIntervalMs)) {
        const t = performance.now();
        due.push(detector.checkpoint());
        snapshotMs += performance.now() - t;
        owners.set(detector.partition, detector);
      }
    }
    let encoded: EncodedCheckpoint[] = [];
    try {
      if (due.length > 0) {
        encoded = await store.encode(due);
        // the event-loop cost that grows with the state: it spaces the next checkpoints
        for (const c of encoded) snapshotMs += c.encodeMs;
      }
      if (rows.length > 0 || encoded.length > 0) {
        const result = await this.retryWhileUnavailable('writing a micro-batch', () => store.commit(rows, encoded), signal);
        metrics.wroteRows(result.inserted);
        metrics.totals.microBatches++;
        if (encoded.length > 0) {
          metrics.totals.checkpoints += encoded.length;
          metrics.checkpointBytes.set(result.checkpointBytes);
          for (const c of encoded) owners.get(c.partition)?.checkpointed(c.nextOffset, now, snapshotMs);
        }
      }
    } catch (error) {
      this.carried = rows;
      throw error;
    }
    const committed = performance.now();
    const published = await this.retryWhileUnavailable('publishing the outbox', () => publisher.drain(), signal);
    metrics.publishedEvents(published);
    if (encoded.length > 0) await loop.commitOffsets(encoded);
    const ended = performance.now();
    metrics.microBatchSeconds.observe((ended - started) / 1000);
    logger.debug(
      {
        rows: rows.length,
        checkpoints: encoded.map((c) => c.partition),
        snapshotMs: Math.round(snapshotMs),
        commitMs: Math.round(committed - started),
        published,
        publishMs: Math.round(ended - committed),
      },
      'micro-batch',
    );
  }

  /** Publishes what a crashed predecessor left in the outbox. */
  async drainOutbox(signal: AbortSignal): Promise<void> {
    this.deps.metrics.publishedEvents(await this.retryWhileUnavailable('publishing the outbox', () => this.deps.publisher.drain(), signal));
  }

  /**
   * Retries while PostgreSQL (or, when publishing, Kafka) is unavailable,
   * with exponential backoff up to 5 s, until it works or `signal` aborts;
   * any other error (a bug, a broken table) is thrown at once.
   */
  private async retryWhileUnavailable<T>(what: string, operation: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const { logger } = this.deps;
    const result = await retry(operation, {
      attempts: Infinity,
      initialDelayMs: 250,
      maxDelayMs: 5000,
      signal,
      description: what,
      isRetriable: (error) => isRetriablePostgresError(error) || isKafkaError(error),
      onRetry: (error, attempt, delayMs) => {
        if (isKafkaError(error)) logger.warn({ attempt, retryInMs: delayMs, error: (error as Error).message }, `${what}: Kafka failed, retrying`);
        else this.setPostgresUp(false, error);
        logger.debug({ attempt, retryInMs: delayMs, error: (error as Error).message }, `${what}: retrying`);
      },
    });
    this.setPostgresUp(true);
    return result;
  }

  private setPostgresUp(up: boolean, error?: unknown): void {
    if (up === this.up) return;
    this.up = up;
    const { metrics, loop, logger } = this.deps;
    metrics.postgresUp.set(up ? 1 : 0);
    loop.setStoreDown(!up);
    if (up) logger.info({ schema: this.options.pgSchema }, 'PostgreSQL reachable again: committing and consuming');
    else logger.warn({ error: (error as Error | undefined)?.message }, 'PostgreSQL unreachable: pausing consumption, committing nothing, retrying with backoff');
  }
}
