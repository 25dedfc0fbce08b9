/**
 * The real-time anomaly detector (SPEC §3, issue 5): consumes ClickEvents in
 * a consumer group, runs the event-time window engine per partition, and
 * writes each anomalous window to PostgreSQL `anomaly_sessions` and as an
 * AnomalyEvent to the anomaly topic — exactly once in effect.
 *
 * Exactly once, and why it holds:
 *
 * 1. Deterministic state per partition. Each partition has its own engine
 *    and watermark (partition-detector.ts). The rows it emits are a pure
 *    function of the partition's messages, in offset order, from a restored
 *    checkpoint on — independent of fetch sizes, micro-batch boundaries,
 *    restarts, or which process owns the partition. So a replay re-derives
 *    the very same rows (same windows, same counts).
 * 2. One transaction per micro-batch (every DETECTOR_BATCH_INTERVAL_MS,
 *    default 5 s; anomaly-store.ts): the rows emitted since the last one
 *    (INSERT … ON CONFLICT DO NOTHING on the primary key (session_id,
 *    anomaly_type, window_start)), the outbox entries of the rows that
 *    statement newly inserted, and, for partitions whose checkpoint is due,
 *    the engine snapshot together with the next offset, taken at the same
 *    instant as the rows (nothing runs between them: the engine, the
 *    position and the row list change together, synchronously).
 *    PostgreSQL is the source of truth for positions: on assignment the
 *    consumer seeks to the stored next offset, whatever Kafka has committed.
 * 3. Crash anywhere: the last committed checkpoint (snapshot S at offset O)
 *    is restored and messages from O are fed again. Rows committed after O
 *    (checkpoints can be spaced wider than micro-batches) are re-derived
 *    identically and absorbed by ON CONFLICT DO NOTHING; rows not committed
 *    are derived again and written. Result: exactly one row per window in
 *    anomaly_sessions, with the detected_at of its first write.
 * 4. The topic (outbox-publisher.ts): after the commit, the outbox is drained
 *    to the anomaly topic through the idempotent producer, keyed by
 *    session_id, and the entries deleted once acknowledged. Guarantee: every
 *    row of anomaly_sessions reaches the topic at least once, always with
 *    identical key and value; a duplicate appears only when the process or
 *    PostgreSQL fails between the broker's ack and the outbox delete.
 *    Consumers that need exactly once deduplicate on (session_id,
 *    anomaly_type, window_start) — as anomaly_sessions itself does.
 * 5. Kafka offsets are committed last (the durable checkpoints' offsets),
 *    for monitoring and lag tools only; nothing reads them back.
 * 6. Several processes in one group: partitions (and so sessions and their
 *    windows) are split; a partition that changes hands is restored from its
 *    checkpoint by the new owner, and whatever the old owner still writes is
 *    the same rows (no-ops) or an older checkpoint (refused: checkpoints
 *    only move forward). N processes write exactly the rows one would.
 *
 * PostgreSQL down: the micro-batch transaction is retried with exponential
 * backoff (up to 5 s apart) for as long as it takes; meanwhile every
 * partition is paused, nothing is committed anywhere, and memory stays at
 * the state plus one fetch. The first successful commit resumes
 * consumption; nothing is lost or doubled because nothing moved.
 *
 * Late events (SPEC §3) are counted per process (metrics, the progress line)
 * and, cumulatively, in each partition's snapshot counters.
 */
import type { Producer, Kafka } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type http from 'node:http';
import { registerValueEncoder } from '../lib/avro-codec.ts';
import type { Pool } from '../lib/clients/postgres.ts';
import { GuardianError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { retry, sleep, type RetryOptions } from '../lib/retry.ts';
import { anomalyEventSchema } from '../schemas/index.ts';
import { AnomalyStore, type EncodedCheckpoint } from './anomaly-store.ts';
import { ConsumerLoop, isKafkaError } from './consumer-loop.ts';
import { DetectorMetrics, serveMetrics } from './metrics.ts';
import { OutboxPublisher } from './outbox-publisher.ts';
import type { DetectedRow, PartitionCheckpoint, PartitionDetector } from './partition-detector.ts';
import { isRetriablePostgresError } from './postgres-transaction.ts';
import type { DetectorSettings } from './rules.ts';
import { detectorTables } from './tables.ts';

export interface DetectorOptions {
  /** Click topic to consume. */
  inputTopic: string;
  /** Where AnomalyEvents go (must exist). */
  outputTopic: string;
  /** Consumer group; also keys the checkpoints. */
  groupId: string;
  /** PostgreSQL schema of anomaly_sessions and the state tables. */
  pgSchema: string;
  batchIntervalMs: number;
  checkpointIntervalMs: number;
  logIntervalMs: number;
  sessionTimeoutMs: number;
  /** Serve Prometheus metrics on this port. */
  metricsPort?: number;
  rules: DetectorSettings;
}

export interface DetectorDeps {
  kafka: Kafka;
  registry: SchemaRegistry;
  pool: Pool;
  /** An idempotent producer (ingest/producer connectProducer). */
  producer: Producer;
  logger: Logger;
}

export interface DetectorStatus {
  assignedPartitions: number[];
  partitions: { partition: number; nextOffset: number; checkpointedOffset: number; lag: number; watermarkMs: number | null; openWindows: number }[];
  openWindows: number;
  lag: number;
  postgresUp: boolean;
}

export interface RunningDetector {
  readonly metrics: DetectorMetrics;
  status(): DetectorStatus;
  /** Rejects when the detector cannot go on (a non-retriable error); it has stopped consuming by then. */
  readonly failed: Promise<never>;
  /** Writes what it has (a last micro-batch with checkpoints), leaves the group. */
  stop(): Promise<void>;
}

const RETRY_FOREVER: Pick<RetryOptions, 'attempts' | 'initialDelayMs' | 'maxDelayMs'> = { attempts: Infinity, initialDelayMs: 250, maxDelayMs: 5000 };


export async function startDetector(deps: DetectorDeps, options: DetectorOptions): Promise<RunningDetector> {
  const { logger } = deps;
  const metrics = new DetectorMetrics();
  const tables = detectorTables(options.pgSchema);
  const store = new AnomalyStore(deps.pool, tables, { groupId: options.groupId, topic: options.inputTopic, outputTopic: options.outputTopic });
  try {
    await store.verifyTables();
  } catch (error) {
    if (isRetriablePostgresError(error)) throw new GuardianError(`PostgreSQL is not reachable (${(error as Error).message}); start the local stack with \`npm run stack -- up\``, { cause: error });
    throw error;
  }
  const encoder = await registerValueEncoder(deps.registry, options.outputTopic, anomalyEventSchema);
  const publisher = new OutboxPublisher(deps.pool, tables, deps.producer, encoder, options.outputTopic);
  const stopController = new AbortController();
  const loop = new ConsumerLoop(
    { kafka: deps.kafka, registry: deps.registry, store, metrics, logger, signal: stopController.signal },
    { topic: options.inputTopic, groupId: options.groupId, sessionTimeoutMs: options.sessionTimeoutMs, rules: options.rules },
  );

  let failure: ((error: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (failure = reject));
  failed.catch(() => undefined);
  let postgresUp = true;
  let stopped = false;

  const setPostgresUp = (up: boolean, error?: unknown) => {
    if (up === postgresUp) return;
    postgresUp = up;
    metrics.postgresUp.set(up ? 1 : 0);
    loop.setStoreDown(!up);
    if (up) logger.info({ schema: options.pgSchema }, 'PostgreSQL reachable again: committing and consuming');
    else logger.warn({ error: (error as Error)?.message }, 'PostgreSQL unreachable: pausing consumption, committing nothing, retrying with backoff');
  };

  /**
   * Retries while PostgreSQL (or, when publishing, Kafka) is unavailable,
   * with exponential backoff up to 5 s, until it works or the detector stops;
   * any other error (a bug, a broken table) ends the detector.
   */
  const retryWhileUnavailable = <T>(what: string, operation: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> =>
    retry(operation, {
      ...RETRY_FOREVER,
      signal,
      description: what,
      isRetriable: (error) => isRetriablePostgresError(error) || isKafkaError(error),
      onRetry: (error, attempt, delayMs) => {
        if (isKafkaError(error)) logger.warn({ attempt, retryInMs: delayMs, error: (error as Error).message }, `${what}: Kafka failed, retrying`);
        else setPostgresUp(false, error);
        logger.debug({ attempt, retryInMs: delayMs, error: (error as Error).message }, `${what}: retrying`);
      },
    });

  /**
   * One micro-batch: rows + due checkpoints in one transaction, then the
   * outbox, then Kafka offsets. `final`: every partition with progress is
   * checkpointed, and retries end with the stop.
   */
  async function microBatch(final: boolean, signal: AbortSignal | undefined): Promise<void> {
    const started = performance.now();
    const now = Date.now();
    const rows: DetectedRow[] = [];
    const due: PartitionCheckpoint[] = [];
    const owners = new Map<number, PartitionDetector>();
    let snapshotMs = 0;
    for (const detector of loop.owned()) {
      detector.collect(now);
      for (const row of detector.takeRows()) rows.push(row);
      if (final ? detector.nextOffset > detector.checkpointedOffset : detector.checkpointDue(now, options.checkpointIntervalMs)) {
        const t = performance.now();
        due.push(detector.checkpoint());
        snapshotMs += performance.now() - t;
        owners.set(detector.partition, detector);
      }
    }
    let encoded: EncodedCheckpoint[] = [];
    if (due.length > 0) {
      encoded = await store.encode(due);
      // the event-loop cost that grows with the state: it spaces the next checkpoints
      for (const c of encoded) snapshotMs += c.encodeMs;
    }
    if (rows.length > 0 || encoded.length > 0) {
      const result = await retryWhileUnavailable('writing a micro-batch', () => store.commit(rows, encoded), signal);
      setPostgresUp(true);
      metrics.wroteRows(result.inserted);
      metrics.totals.microBatches++;
      if (encoded.length > 0) {
        metrics.totals.checkpoints += encoded.length;
        metrics.checkpointBytes.set(result.checkpointBytes);
        for (const c of encoded) owners.get(c.partition)?.checkpointed(c.nextOffset, now, snapshotMs);
      }
    }
    const committed = performance.now();
    const published = await retryWhileUnavailable('publishing the outbox', () => publisher.drain(), signal);
    setPostgresUp(true);
    metrics.publishedEvents(published);
    if (encoded.length > 0) await loop.commitOffsets(encoded);
    const ended = performance.now();
    metrics.microBatchSeconds.observe((ended - started) / 1000);
    logger.debug(
      { rows: rows.length, checkpoints: encoded.map((c) => c.partition), snapshotMs: Math.round(snapshotMs), commitMs: Math.round(committed - started), published, publishMs: Math.round(ended - committed) },
      'micro-batch',
    );
  }

  const microBatches = (async () => {
    while (!stopped) {
      await sleep(options.batchIntervalMs, stopController.signal);
      if (stopped) break;
      try {
        await microBatch(false, stopController.signal);
      } catch (error) {
        if (stopped) break;
        failure?.(error as Error);
        break;
      }
    }
  })();

  function status(): DetectorStatus {
    const partitions = loop.owned().map((d) => {
      const s = d.engine.stats();
      return { partition: d.partition, nextOffset: d.nextOffset, checkpointedOffset: d.checkpointedOffset, lag: d.lag(), watermarkMs: s.watermarkMs, openWindows: s.openWindows };
    });
    return {
      assignedPartitions: loop.assigned(),
      partitions,
      openWindows: partitions.reduce((sum, p) => sum + p.openWindows, 0),
      lag: partitions.reduce((sum, p) => sum + p.lag, 0),
      postgresUp,
    };
  }

  let lastEvents = 0;
  let lastTick = performance.now();
  const progress = setInterval(() => {
    void (async () => {
      await loop.refreshHighWatermarks().catch(() => undefined);
      const s = status();
      const t = performance.now();
      const { totals } = metrics;
      const perSecond = Math.round(((totals.events - lastEvents) * 1000) / Math.max(t - lastTick, 1));
      lastEvents = totals.events;
      lastTick = t;
      metrics.openWindows.set(s.openWindows);
      for (const p of s.partitions) {
        metrics.lag.set({ partition: String(p.partition) }, p.lag);
        if (p.watermarkMs !== null) metrics.watermark.set({ partition: String(p.partition) }, p.watermarkMs);
      }
      const watermarks = s.partitions.flatMap((p) => (p.watermarkMs === null ? [] : [p.watermarkMs]));
      logger.info(
        {
          eventsPerSecond: perSecond,
          events: totals.events,
          lateEvents: totals.lateEvents,
          openWindows: s.openWindows,
          lag: s.lag,
          partitions: s.assignedPartitions,
          watermark: watermarks.length > 0 ? new Date(Math.min(...watermarks)).toISOString() : null,
          rowsWritten: totals.written,
          published: totals.published,
          undecodable: totals.undecodable,
          postgres: s.postgresUp ? 'up' : 'down',
          rssMb: Math.round(process.memoryUsage.rss() / 1048576),
          heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1048576),
        },
        'detector progress',
      );
    })();
  }, options.logIntervalMs);
  progress.unref();

  let server: http.Server | undefined;
  if (options.metricsPort !== undefined) server = await serveMetrics(metrics.registry, options.metricsPort);

  loop.failed.catch((error: Error) => failure?.(error));
  await loop.start();
  logger.info(
    { inputTopic: options.inputTopic, outputTopic: options.outputTopic, groupId: options.groupId, pgSchema: options.pgSchema, batchIntervalMs: options.batchIntervalMs, metricsPort: options.metricsPort },
    'detector started',
  );

  // A crashed predecessor may have left rows in the outbox.
  void retryWhileUnavailable('publishing the outbox', () => publisher.drain(), stopController.signal)
    .then((n) => metrics.publishedEvents(n))
    .catch(() => undefined);

  let stopping: Promise<void> | undefined;
  return {
    metrics,
    status,
    failed,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        stopController.abort();
        clearInterval(progress);
        await microBatches;
        await loop.quiesce();
        try {
          await microBatch(true, AbortSignal.timeout(30_000));
        } catch (error) {
          logger.warn({ error: (error as Error).message }, 'last micro-batch not written: the next start replays from the last checkpoint');
        }
        await loop.disconnect();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        logger.info({ ...metrics.totals }, 'detector stopped');
      })();
      return stopping;
    },
  };
}
