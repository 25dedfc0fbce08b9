/**
 * The real-time anomaly detector (SPEC §3, issue 5): consumes ClickEvents in
 * a consumer group, runs the event-time window engine per partition, and
 * writes each anomalous window to PostgreSQL `anomaly_sessions` and as an
 * AnomalyEvent to the anomaly topic — exactly once in effect.
 *
 * Exactly once, and why it holds:
 *
 * 1. Deterministic state per partition. Each partition has its own engine
 *    and watermark (partition-detector.ts): SPEC §3's "largest event time
 *    seen − 10 s" is taken per partition, since a session lives in exactly
 *    one partition. The rows a partition emits are a pure function of its
 *    messages, in offset order, from a restored checkpoint on — independent
 *    of fetch sizes, micro-batch boundaries, restarts, or which process owns
 *    it. So a replay re-derives the very same rows (windows and counts).
 * 2. One transaction per micro-batch (every DETECTOR_BATCH_INTERVAL_MS,
 *    default 5 s; micro-batch.ts, anomaly-store.ts): the rows emitted since
 *    the last one (INSERT … ON CONFLICT DO NOTHING on the primary key
 *    (session_id, anomaly_type, window_start)), the outbox entries of the rows that
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
 *    to the anomaly topic, keyed by session_id, by the one process holding
 *    the outbox's PostgreSQL advisory lock, through a transactional producer
 *    whose fixed id fences any earlier holder. Each page's rows get the
 *    topic's end offsets recorded (committed in PostgreSQL) before they are
 *    sent in one Kafka transaction, and are deleted after its commit; a new
 *    holder first deletes the recorded rows it finds on the topic (read
 *    committed from those offsets). Guarantee: every row of anomaly_sessions
 *    is on the topic exactly once for read_committed consumers (the default
 *    of kafkajs and librdkafka), across SIGKILLs of any detector and
 *    PostgreSQL or broker restarts — provided the topic is written by this
 *    outbox only (one PostgreSQL schema per anomaly topic).
 * 5. Kafka offsets are committed last (the durable checkpoints' offsets),
 *    for monitoring and lag tools only; nothing reads them back.
 * 6. Several processes in one group: partitions (and so sessions and their
 *    windows) are split; a partition that changes hands is restored from its
 *    checkpoint by the new owner, and whatever the old owner still writes is
 *    the same rows (no-ops) or an older checkpoint (refused: checkpoints
 *    only move forward). N processes write exactly the rows one would, and
 *    one of them at a time (the outbox lease's holder) publishes them all.
 *
 * PostgreSQL down: the micro-batch transaction is retried with exponential
 * backoff (up to 5 s apart) for as long as it takes; meanwhile every
 * partition is paused, nothing is committed anywhere, and memory stays at
 * the state plus one fetch. The first successful commit resumes
 * consumption; nothing is lost or doubled because nothing moved. (A
 * checkpoint that cannot be loaded at assignment is retried the same way,
 * with that partition paused; the schema registry being away holds the
 * batch until it answers — a click is never skipped for want of its schema.)
 *
 * Memory: only open windows (freed when final), rows not yet written, and
 * one fetch per partition (1 MB); consumption pauses while writes fail.
 *
 * Late events (SPEC §3) are counted per process (metrics, the progress line)
 * and, cumulatively, in each partition's snapshot counters.
 */
import type { Kafka } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type http from 'node:http';
import { createValueDecoder, registerValueEncoder } from '../lib/avro-codec.ts';
import type { Pool } from '../lib/clients/postgres.ts';
import { GuardianError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { sleep } from '../lib/retry.ts';
import { anomalyEventSchema } from '../schemas/index.ts';
import { AnomalyStore } from './anomaly-store.ts';
import { openAnomalyTopic } from './anomaly-topic.ts';
import { ConsumerLoop } from './consumer-loop.ts';
import { DetectorMetrics, serveMetrics } from './metrics.ts';
import { MicroBatcher } from './micro-batch.ts';
import { OutboxPublisher } from './outbox-publisher.ts';
import { isRetriablePostgresError } from './postgres-transaction.ts';
import { startProgressLog } from './progress-log.ts';
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
  /** Rejects when the detector cannot go on (a non-retriable error); call stop() then. */
  readonly failed: Promise<never>;
  /** Writes what it has (a last micro-batch, every partition checkpointed) and leaves the group. */
  stop(): Promise<void>;
}

export async function startDetector(deps: DetectorDeps, options: DetectorOptions): Promise<RunningDetector> {
  const { logger } = deps;
  const metrics = new DetectorMetrics();
  const tables = detectorTables(options.pgSchema);
  const store = new AnomalyStore(deps.pool, tables, { groupId: options.groupId, topic: options.inputTopic, outputTopic: options.outputTopic });
  try {
    await store.verifyTables();
  } catch (error) {
    if (isRetriablePostgresError(error)) {
      throw new GuardianError(`PostgreSQL is not reachable (${(error as Error).message}); start the local stack with \`npm run stack -- up\``, { cause: error });
    }
    throw error;
  }
  const encoder = await registerValueEncoder(deps.registry, options.outputTopic, anomalyEventSchema);
  const decode = createValueDecoder(deps.registry, anomalyEventSchema);
  const publisher = new OutboxPublisher(
    {
      pool: deps.pool,
      tables,
      logger,
      openTopic: (transactionalId) => openAnomalyTopic({ kafka: deps.kafka, encoder, decode }, { topic: options.outputTopic, transactionalId }),
    },
    options.outputTopic,
  );
  const stopController = new AbortController();
  const loop = new ConsumerLoop(
    { kafka: deps.kafka, registry: deps.registry, store, metrics, logger, signal: stopController.signal },
    { topic: options.inputTopic, groupId: options.groupId, sessionTimeoutMs: options.sessionTimeoutMs, rules: options.rules },
  );
  const batcher = new MicroBatcher({ loop, store, publisher, metrics, logger }, { checkpointIntervalMs: options.checkpointIntervalMs, pgSchema: options.pgSchema });

  let failure: ((error: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (failure = reject));
  failed.catch(() => undefined);
  loop.failed.catch((error: Error) => failure?.(error));
  let stopped = false;

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
      postgresUp: batcher.postgresUp,
    };
  }

  let server: http.Server | undefined;
  if (options.metricsPort !== undefined) server = await serveMetrics(metrics.registry, options.metricsPort);
  await loop.start();
  logger.info(
    {
      inputTopic: options.inputTopic,
      outputTopic: options.outputTopic,
      groupId: options.groupId,
      pgSchema: options.pgSchema,
      batchIntervalMs: options.batchIntervalMs,
      metricsPort: options.metricsPort,
    },
    'detector started',
  );
  const progress = startProgressLog({ logger, metrics, status, refreshLag: () => loop.refreshHighWatermarks() }, options.logIntervalMs);
  void batcher.drainOutbox(stopController.signal).catch(() => undefined);

  const microBatches = (async () => {
    while (!stopped) {
      await sleep(options.batchIntervalMs, stopController.signal);
      if (stopped) break;
      try {
        await batcher.run(false, stopController.signal);
      } catch (error) {
        if (!stopped) failure?.(error as Error);
        break;
      }
    }
  })();

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
          await batcher.run(true, AbortSignal.timeout(30_000));
        } catch (error) {
          logger.warn({ error: (error as Error).message }, 'last micro-batch not written: the next start replays from the last checkpoint');
        }
        await publisher.close();
        await loop.disconnect();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        logger.info({ ...metrics.totals }, 'detector stopped');
      })();
      return stopping;
    },
  };
}
