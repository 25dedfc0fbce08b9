/**
 * The detector's consumer: one kafkajs consumer in the detector's group,
 * autoCommit off, whose position in every owned partition is the one held by
 * that partition's PartitionDetector — never Kafka's committed offset.
 *
 * - Assignment: a partition new to this process is paused, its checkpoint is
 *   read from PostgreSQL (retrying while PostgreSQL is down), the engine
 *   restored, and the consumer seeked to the checkpoint's next offset (the
 *   partition's log start when there is none), then resumed. A partition
 *   kept across a rebalance keeps its state and is seeked back to its own
 *   next offset (kafkajs would otherwise resume at the committed offset).
 * - A batch feeds only offsets ≥ the partition's next offset; the first batch
 *   after a seek must start exactly there, or the seek is repeated once.
 * - Revoked partitions are dropped with whatever they had not written: the
 *   next owner re-derives it from the last checkpoint (the output is a
 *   function of the partition's messages).
 * - Paused while PostgreSQL is failing (setStoreDown), so memory stays
 *   bounded: at most the batch in flight is fed beyond the last commit.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createValueDecoder } from '../lib/avro-codec.ts';
import { GuardianError, ServiceUnavailableError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { retry, sleep } from '../lib/retry.ts';
import { clickEventSchema, type ClickEvent } from '../schemas/index.ts';
import type { AnomalyStore } from './anomaly-store.ts';
import type { DetectorMetrics } from './metrics.ts';
import { PartitionDetector } from './partition-detector.ts';
import { isRetriablePostgresError } from './postgres-transaction.ts';
import { anomalyRules, type DetectorSettings } from './rules.ts';
import { decodeSnapshot } from './snapshot-codec.ts';
import { createWindowEngine, SnapshotError } from './windows/index.ts';

/** The registry answered that it has no such schema (HTTP 404, Confluent error 40403): final, unlike a registry that does not answer. */
export const isSchemaNotFound = (error: unknown): boolean => {
  const e = error as { status?: unknown; message?: unknown };
  return e.status === 404 || (typeof e.message === 'string' && /\b(404|40403)\b|not found/i.test(e.message));
};

/** A Kafka client error: the broker (or the group) is away or moving; worth another attempt later. */
export const isKafkaError = (error: unknown): boolean =>
  /^KafkaJS/.test((error as Error | undefined)?.name ?? '') || (error instanceof ServiceUnavailableError && error.service === 'Kafka');

export interface ConsumerLoopOptions {
  topic: string;
  groupId: string;
  sessionTimeoutMs: number;
  rules: DetectorSettings;
}

export interface ConsumerLoopDeps {
  kafka: Kafka;
  registry: SchemaRegistry;
  store: AnomalyStore;
  metrics: DetectorMetrics;
  logger: Logger;
  /** Aborted when the detector stops: ends retries of checkpoint loads. */
  signal: AbortSignal;
}

interface Slot {
  readonly partition: number;
  /** Undefined while the checkpoint is being loaded. */
  detector: PartitionDetector | undefined;
  /** The first batch since the last seek was checked to start at nextOffset. */
  verified: boolean;
  reseeked: boolean;
}

export class ConsumerLoop {
  private consumer: Consumer | undefined;
  private readonly admin: Admin;
  private readonly slots = new Map<number, Slot>();
  private storeDown = false;
  private stopping = false;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly decode: (message: Buffer) => Promise<ClickEvent>;
  /** Writer schema ids the registry client has cached. */
  private readonly knownSchemaIds = new Set<number>();
  private failure: ((error: Error) => void) | undefined;
  /** Rejects when consumption cannot go on (a bad checkpoint, a consumer that gave up). */
  readonly failed: Promise<never>;

  constructor(
    private readonly deps: ConsumerLoopDeps,
    private readonly options: ConsumerLoopOptions,
  ) {
    this.admin = deps.kafka.admin();
    this.decode = createValueDecoder(deps.registry, clickEventSchema);
    this.failed = new Promise<never>((_, reject) => (this.failure = reject));
    this.failed.catch(() => undefined);
  }

  async start(): Promise<void> {
    const { kafka, logger } = this.deps;
    const { topic, groupId, sessionTimeoutMs } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
      maxBytesPerPartition: 1024 * 1024,
      maxBytes: 4 * 1024 * 1024,
      maxWaitTimeInMs: 500,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.onAssignment(event.payload.memberAssignment[topic] ?? []));
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart && !this.stopping) {
        this.fail(new GuardianError(`detector consumer of ${topic} stopped: ${event.payload.error.message}`, { cause: event.payload.error }));
      }
    });
    try {
      await this.admin.connect();
      await consumer.connect();
    } catch (error) {
      throw new ServiceUnavailableError('Kafka', (error as Error).message, { cause: error });
    }
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => {
        const run = this.onBatch(payload);
        this.inFlight = run.catch(() => undefined);
        return run;
      },
    });
    logger.info({ topic, groupId }, 'detector consuming');
  }

  /** The partitions this process owns and has restored, in partition order. */
  owned(): PartitionDetector[] {
    return [...this.slots.values()]
      .flatMap((slot) => (slot.detector ? [slot.detector] : []))
      .sort((a, b) => a.partition - b.partition);
  }

  /** Partitions assigned to this process, restored or not. */
  assigned(): number[] {
    return [...this.slots.keys()].sort((a, b) => a - b);
  }

  /** While the store is down, every partition is paused. */
  setStoreDown(down: boolean): void {
    if (this.storeDown === down) return;
    this.storeDown = down;
    this.applyPauses();
  }

  /** Informational: Kafka's committed offsets follow the durable checkpoints (monitoring, lag tools). */
  async commitOffsets(offsets: readonly { partition: number; nextOffset: number }[]): Promise<void> {
    const owned = offsets.filter((o) => this.slots.has(o.partition));
    if (owned.length === 0 || !this.consumer) return;
    try {
      await this.consumer.commitOffsets(owned.map((o) => ({ topic: this.options.topic, partition: o.partition, offset: String(o.nextOffset) })));
    } catch (error) {
      // A rebalance in between: the next owner reads PostgreSQL anyway.
      this.deps.logger.debug({ error: (error as Error).message }, 'offset commit skipped');
    }
  }

  /** Refreshes each owned partition's end offset (for the lag) from the broker. */
  async refreshHighWatermarks(): Promise<void> {
    const offsets = await this.admin.fetchTopicOffsets(this.options.topic);
    for (const o of offsets) {
      const detector = this.slots.get(o.partition)?.detector;
      if (detector) detector.highWatermark = Math.max(detector.highWatermark, Number(o.high));
    }
  }

  /** Stops feeding: pauses everything and waits for the batch in flight. */
  async quiesce(): Promise<void> {
    this.stopping = true;
    this.applyPauses();
    await this.inFlight;
  }

  async disconnect(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  private fail(error: Error): void {
    this.failure?.(error);
  }

  private onAssignment(partitions: number[]): void {
    const { logger } = this.deps;
    const assigned = new Set(partitions);
    const revoked = [...this.slots.keys()].filter((p) => !assigned.has(p));
    for (const p of revoked) {
      this.slots.delete(p);
      this.deps.metrics.lag.remove({ partition: String(p) });
      this.deps.metrics.watermark.remove({ partition: String(p) });
    }
    for (const p of partitions) {
      const slot = this.slots.get(p);
      if (slot === undefined) {
        const fresh: Slot = { partition: p, detector: undefined, verified: false, reseeked: false };
        this.slots.set(p, fresh);
        void this.restore(fresh);
      } else if (slot.detector) {
        this.seek(slot);
      }
    }
    this.applyPauses();
    logger.info({ topic: this.options.topic, partitions: [...partitions].sort((a, b) => a - b), revoked }, 'partitions assigned');
  }

  private seek(slot: Slot): void {
    slot.verified = false;
    try {
      this.consumer?.seek({ topic: this.options.topic, partition: slot.partition, offset: String(slot.detector!.nextOffset) });
    } catch {
      // the consumer is restarting after a crash: its next GROUP_JOIN seeks every restored partition
    }
  }

  private applyPauses(): void {
    const consumer = this.consumer;
    if (!consumer) return;
    const pause: number[] = [];
    const resume: number[] = [];
    for (const [p, slot] of this.slots) (this.stopping || this.storeDown || !slot.detector ? pause : resume).push(p);
    try {
      if (pause.length > 0) consumer.pause([{ topic: this.options.topic, partitions: pause }]);
      if (resume.length > 0) consumer.resume([{ topic: this.options.topic, partitions: resume }]);
    } catch {
      // not running (yet, or any more): the next GROUP_JOIN applies the pauses
    }
  }

  private async restore(slot: Slot): Promise<void> {
    const { logger, signal } = this.deps;
    try {
      const detector = await retry(() => this.loadPartition(slot.partition), {
        attempts: Infinity,
        initialDelayMs: 500,
        maxDelayMs: 5000,
        signal,
        isRetriable: (error) => !(error instanceof SnapshotError) && (isRetriablePostgresError(error) || isKafkaError(error)),
        onRetry: (error, attempt, delayMs) =>
          logger.warn({ partition: slot.partition, attempt, retryInMs: delayMs, error: (error as Error).message }, 'cannot load the checkpoint: retrying'),
        description: `loading the checkpoint of partition ${slot.partition}`,
      });
      if (this.slots.get(slot.partition) !== slot) return; // revoked meanwhile
      slot.detector = detector;
      this.seek(slot);
      this.applyPauses();
      const stats = detector.engine.stats();
      logger.info(
        { partition: slot.partition, nextOffset: detector.nextOffset, openWindows: stats.openWindows, watermark: stats.watermarkMs === null ? null : new Date(stats.watermarkMs).toISOString() },
        'partition restored',
      );
    } catch (error) {
      if (this.stopping || signal.aborted) return;
      const cause = (error as GuardianError).cause ?? error;
      if (cause instanceof SnapshotError) {
        this.fail(
          new GuardianError(
            `the checkpoint of group ${this.options.groupId}, ${this.options.topic}[${slot.partition}] was written with other window settings (${cause.message}); ` +
              'use another DETECTOR_GROUP_ID, or delete the group’s rows from detector_checkpoints to start over',
            { cause },
          ),
        );
      } else {
        this.fail(error as Error);
      }
    }
  }

  private async loadPartition(partition: number): Promise<PartitionDetector> {
    const { store, logger } = this.deps;
    const { rules } = this.options;
    const stored = await store.loadCheckpoint(partition);
    const offsets = await this.admin.fetchTopicOffsets(this.options.topic);
    const bounds = offsets.find((o) => o.partition === partition);
    const low = Number(bounds?.low ?? 0);
    const engine = createWindowEngine(anomalyRules(rules), { watermarkDelayMs: rules.watermarkDelayMs });
    let start = low;
    if (stored) {
      engine.restore(await decodeSnapshot(stored.snapshot));
      start = stored.nextOffset;
      if (start < low) {
        logger.warn({ partition, checkpoint: start, logStart: low }, 'messages after the checkpoint were deleted by retention before the detector read them: continuing at the log start');
        start = low;
      }
    }
    const detector = new PartitionDetector(partition, engine, start);
    detector.highWatermark = Math.max(start, Number(bounds?.high ?? start));
    return detector;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    if (this.stopping) return;
    const slot = this.slots.get(batch.partition);
    const detector = slot?.detector;
    if (!slot || !detector || isStale()) return;
    const messages = batch.messages;
    let from = 0;
    while (from < messages.length && Number(messages[from]!.offset) < detector.nextOffset) from++;
    if (from === messages.length) {
      this.seek(slot); // the consumer is behind this partition's position: move it there
      return;
    }
    if (!slot.verified) {
      const first = Number(messages[from]!.offset);
      if (first > detector.nextOffset && !slot.reseeked) {
        slot.reseeked = true;
        this.seek(slot);
        return;
      }
      if (first > detector.nextOffset) {
        this.deps.logger.warn({ partition: slot.partition, expected: detector.nextOffset, got: first }, 'offsets missing after a seek (retention or compaction): continuing');
      }
      slot.verified = true;
      slot.reseeked = false;
    }
    if (!(await this.resolveSchemas(messages, from, heartbeat))) return; // stopping while the registry was away
    const decoded = await this.decodeAll(messages, from, slot.partition);
    // Revoked or re-seeked while decoding: leave it to the state that owns the partition now.
    if (this.stopping || this.slots.get(batch.partition) !== slot || slot.detector !== detector) return;
    this.feed(detector, messages, from, decoded);
    detector.highWatermark = Math.max(detector.highWatermark, Number(batch.highWatermark));
    resolveOffset(messages[messages.length - 1]!.offset);
    await heartbeat();
  }

  /**
   * Fetches the writer schemas the batch names before decoding, waiting out a
   * registry that is unavailable (backoff up to 5 s, heartbeats kept): only a
   * message that is itself broken — or names a schema id the registry does not
   * have — is skipped, never a click whose schema could not be fetched just now.
   */
  private async resolveSchemas(messages: KafkaMessage[], from: number, heartbeat: () => Promise<void>): Promise<boolean> {
    const ids = new Set<number>();
    for (let i = from; i < messages.length; i++) {
      const value = messages[i]!.value;
      if (value && value.length >= 5 && value[0] === 0) {
        const id = value.readInt32BE(1);
        if (!this.knownSchemaIds.has(id)) ids.add(id);
      }
    }
    for (const id of ids) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.deps.registry.getSchema(id);
          this.knownSchemaIds.add(id);
          break;
        } catch (error) {
          if (isSchemaNotFound(error)) break; // its messages fail to decode and are skipped
          if (this.stopping || this.deps.signal.aborted) return false;
          const delayMs = Math.min(5000, 250 * 2 ** (attempt - 1));
          this.deps.logger.warn({ schemaId: id, attempt, retryInMs: delayMs, error: (error as Error).message }, 'schema registry unavailable: waiting');
          await sleep(delayMs, this.deps.signal);
          await heartbeat();
        }
      }
    }
    return true;
  }

  private async decodeAll(messages: KafkaMessage[], from: number, partition: number): Promise<(ClickEvent | undefined)[]> {
    const out: (ClickEvent | undefined)[] = new Array(messages.length - from);
    let firstProblem: { offset: string; error: string } | undefined;
    let problems = 0;
    for (let i = from; i < messages.length; i++) {
      const message = messages[i]!;
      try {
        if (!message.value) throw new Error('message without a value');
        out[i - from] = await this.decode(message.value);
      } catch (error) {
        out[i - from] = undefined;
        problems++;
        firstProblem ??= { offset: message.offset, error: (error as Error).message };
      }
    }
    if (problems > 0) {
      this.deps.metrics.skippedUndecodable(problems);
      this.deps.logger.warn({ partition, skipped: problems, first: firstProblem }, 'messages that are not a ClickEvent were skipped');
    }
    return out;
  }

  /** Synchronous: the engine, the position and the rows move together, so a micro-batch can cut in anywhere between batches. */
  private feed(detector: PartitionDetector, messages: KafkaMessage[], from: number, decoded: (ClickEvent | undefined)[]): void {
    const { metrics } = this.deps;
    const lateBefore = detector.engine.stats().lateMemberships;
    let fed = 0;
    let late = 0;
    for (let i = from; i < messages.length; i++) {
      const offset = Number(messages[i]!.offset);
      if (offset < detector.nextOffset) continue;
      const click = decoded[i - from];
      if (click === undefined) {
        detector.skip(offset);
        continue;
      }
      try {
        if (detector.feed(offset, click.session_id, click.timestamp, click.item_id) === 'late') late++;
        fed++;
      } catch (error) {
        detector.skip(offset);
        metrics.skippedUndecodable();
        this.deps.logger.warn({ partition: detector.partition, offset, error: (error as Error).message }, 'click refused by the window engine: skipped');
      }
    }
    const rows = detector.collect(Date.now());
    metrics.fed(fed, late);
    const lateAfter = detector.engine.stats().lateMemberships;
    for (const [type, n] of Object.entries(lateAfter)) metrics.lateMembership(type, n - (lateBefore as Record<string, number>)[type]!);
    for (const row of rows) metrics.detectedRows(row.anomalyType, 1);
  }
}
