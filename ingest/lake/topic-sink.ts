/**
 * The lake sink of one topic: a consumer group (`<groupPrefix><topic>`)
 * whose members split the partitions, decoding Avro through the registry and
 * writing every record exactly once into `<prefix>/<topic>/dt=/hour=/` Parquet
 * files.
 *
 * Exactly once (details in commit-journal.ts and partition-files.ts):
 * 1. records are buffered per (partition, event hour) file; a file closes by
 *    rows, age or event time (close-policy.ts);
 * 2. a flush first commits, per partition, the offset of the oldest record
 *    not yet uploaded together with the journal of decided file boundaries
 *    (offset metadata); only files whose boundary that commit carries are
 *    then uploaded, under a name fixed by (topic, partition, hour, first
 *    offset); the next commit moves the offset past what was uploaded;
 * 3. whoever owns the partition next — this process after a crash, or
 *    another member after a rebalance — starts at the committed offset,
 *    skips uploaded files, rebuilds journaled ones byte for byte (the upload
 *    overwrites the same object) and decides the rest anew.
 * A commit counts only if Kafka confirmed it within the same group
 * generation; commits and uploads of an assignment stop at the next
 * rebalance, and the next assignment waits for them to settle.
 *
 * S3 failing: uploads retry with backoff for as long as it takes, the topic
 * is paused (no unbounded buffering), nothing is committed past what is in
 * S3, and consumption resumes by itself after the first successful upload —
 * one log line each way. More than `maxBufferedRows` in memory closes the
 * open files early and pauses until uploads catch up.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { S3Client } from '@aws-sdk/client-s3';
import { createValueDecoder } from '../../lib/avro-codec.ts';
import { GuardianError, ServiceUnavailableError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { sleep } from '../../lib/retry.ts';
import { decodeJournal, encodeJournal, journalWithin, MAX_METADATA_CHARS } from './commit-journal.ts';
import type { DeadLetterSender } from './dead-letters.ts';
import { Generation, type CommittedOffsets } from './generation.ts';
import { fileKey } from './lake-path.ts';
import { lakeSchemaOf, toColumns, type LakeRow, type LakeSchema } from './lake-schema.ts';
import { encodeParquet } from './parquet-encode.ts';
import type { LakeFile, PartitionFiles } from './partition-files.ts';
import type { SinkSettings } from './sink-settings.ts';
import { LakeUploader } from './uploader.ts';
import { valueSchemaFor, type LakeValue } from './value-schema.ts';

export interface TopicSinkDeps {
  kafka: Kafka;
  registry: SchemaRegistry;
  /** Confluent-compatible registry URL (schemas are read as text from it). */
  registryUrl: string;
  s3: S3Client;
  bucket: string;
  deadLetters: DeadLetterSender;
  logger: Logger;
}

export interface TopicSinkStats {
  /** Records read from Kafka by this process (re-reads after a restart included). */
  consumed: number;
  /** Records passed over because an uploaded file already holds them. */
  skipped: number;
  deadLettered: number;
  filesUploaded: number;
  rowsUploaded: number;
  bytesUploaded: number;
  commits: number;
}

type PauseReason = 's3' | 'buffer';

const fileName = (f: { hour: number; firstOffset: number }) => `${f.hour}:${f.firstOffset}`;

/** A registry failure that another attempt may fix (the client reports a refused connection as HTTP 400). */
function registryUnreachable(error: unknown): boolean {
  const e = error as { name?: string; status?: number; message?: string };
  if (e?.name !== 'ResponseError') return false;
  return (e.status ?? 0) >= 500 || e.status === 429 || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|timed? ?out/i.test(e.message ?? '');
}

export class TopicSink {
  readonly groupId: string;
  readonly stats: TopicSinkStats = { consumed: 0, skipped: 0, deadLettered: 0, filesUploaded: 0, rowsUploaded: 0, bytesUploaded: 0, commits: 0 };
  /** The offset this process last committed, per partition. */
  readonly committed = new Map<number, number>();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private schema: LakeSchema | undefined;
  private decode: ((message: Buffer) => Promise<LakeValue>) | undefined;
  private readonly uploader: LakeUploader;
  private generation: Generation | undefined;
  private generations = 0;
  /** Bumped on every rebalance, crash or join: a commit spanning a bump is not trusted. */
  private epoch = 0;
  private commitEvents = 0;
  private readonly paused = new Set<PauseReason>();
  private progressTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private failure: ((error: Error) => void) | undefined;
  /** Rejects when the sink fails for good (a non-retriable consumer crash, a foreign journal). */
  readonly failed: Promise<never>;

  constructor(
    private readonly deps: TopicSinkDeps,
    readonly topic: string,
    private readonly settings: SinkSettings,
  ) {
    this.groupId = `${settings.groupPrefix}${topic}`;
    this.failed = new Promise<never>((_, reject) => (this.failure = reject));
    this.failed.catch(() => undefined);
    this.uploader = new LakeUploader(deps.s3, {
      bucket: deps.bucket,
      initialDelayMs: settings.retryInitialDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
      onDown: (error) => {
        const e = error as Error & { Code?: string; code?: string };
        deps.logger.warn(
          { topic, bucket: deps.bucket, error: e.message || e.name, code: e.Code ?? e.code ?? e.name },
          'S3 unreachable: pausing consumption, committing nothing, retrying with backoff',
        );
        this.setPaused('s3', true);
      },
      onUp: (downForMs) => {
        deps.logger.info({ topic, bucket: deps.bucket, downForSeconds: Math.round(downForMs / 100) / 10 }, 'S3 reachable again: resuming consumption');
        this.setPaused('s3', false);
      },
    });
  }

  /** Partitions this member holds now (empty before the first assignment). */
  assignedPartitions(): readonly number[] {
    return this.generation?.assigned ?? [];
  }

  async start(): Promise<void> {
    const { kafka, registry, logger } = this.deps;
    const valueSchema = await valueSchemaFor(this.topic, this.deps.registryUrl);
    this.schema = lakeSchemaOf(valueSchema.schema, this.settings.eventTimeField);
    this.decode = createValueDecoder(registry, valueSchema);
    this.admin = kafka.admin();
    const consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(this.settings.sessionTimeoutMs / 3)),
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 16 * 1024 * 1024,
      // A fetch long-polls this long when there is nothing new; it also bounds how long stop() waits.
      maxWaitTimeInMs: 1000,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.COMMIT_OFFSETS, () => this.commitEvents++);
    consumer.on(consumer.events.REBALANCING, () => {
      this.epoch++;
      if (this.generation) this.generation.fenced = true;
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.epoch++;
      if (this.generation) this.generation.fenced = true;
      if (!event.payload.restart) this.failure?.(new GuardianError(`lake sink of ${this.topic}: consumer stopped: ${event.payload.error.message}`, { cause: event.payload.error }));
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.onJoin(event.payload.memberAssignment[this.topic] ?? []));
    try {
      await this.admin.connect();
      await consumer.connect();
    } catch (error) {
      throw new ServiceUnavailableError('Kafka', (error as Error).message, { cause: error });
    }
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
    this.progressTimer = setInterval(() => this.logProgress(), this.settings.progressIntervalMs);
    this.progressTimer.unref();
    logger.info({ topic: this.topic, groupId: this.groupId, prefix: this.settings.prefix, bucket: this.deps.bucket }, 'lake sink started');
  }

  /**
   * Closes the open files, uploads and commits what it can within
   * `timeoutMs`, then leaves the group. Anything not uploaded by then is
   * simply read again by the next owner.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.progressTimer);
    const gen = this.generation;
    this.consumer?.pause([{ topic: this.topic }]);
    if (gen && !gen.aborted) {
      for (const files of gen.partitions.values()) files.closeAll('shutdown');
      // Past the deadline, abort: uploads still retrying give up, and the next owner reads those records again.
      const timer = setTimeout(() => gen.abort.abort(), timeoutMs);
      while (!gen.aborted) {
        await gen.exclusive(() => this.flush(gen)).catch(() => undefined);
        if (![...gen.partitions.values()].some((f) => f.pendingFiles() > 0)) break;
        await sleep(200);
      }
      clearTimeout(timer);
      gen.abort.abort();
      await gen.done;
    }
    this.logProgress(true);
    await this.consumer?.disconnect();
    this.generation?.abort.abort(); // an assignment that arrived while leaving the group
    await this.generation?.done;
    await this.admin?.disconnect();
  }

  private onJoin(assigned: number[]): void {
    this.epoch++;
    const previous = this.generation;
    previous?.abort.abort();
    if (this.stopping) return; // leaving the group: a last rebalance assigns nothing to work on
    const settled = previous ? previous.done.then(() => previous.exclusive(async () => undefined)) : Promise.resolve();
    const gen = new Generation(++this.generations, [...assigned].sort((a, b) => a - b), settled, () => this.fetchCheckpoints(), this.settings);
    this.generation = gen;
    // A new assignment starts unpaused: its own uploads will pause it again if S3 still fails.
    if (this.paused.has('s3')) this.deps.logger.info({ topic: this.topic }, 'rebalanced while S3 was failing: resuming; a failing upload pauses again');
    this.uploader.reset();
    this.setPaused('s3', false);
    this.setPaused('buffer', false);
    gen.done = this.flushLoop(gen);
    this.deps.logger.info({ topic: this.topic, groupId: this.groupId, partitions: gen.assigned }, 'partitions assigned');
  }

  private async fetchCheckpoints(): Promise<CommittedOffsets> {
    const [offsets] = await this.admin!.fetchOffsets({ groupId: this.groupId, topics: [this.topic] });
    const out: CommittedOffsets = new Map();
    for (const p of offsets?.partitions ?? []) {
      const offset = Number(p.offset);
      if (offset < 0) continue;
      try {
        out.set(p.partition, { offset, entries: decodeJournal(p.metadata) });
      } catch (error) {
        this.failure?.(error as Error);
        throw error;
      }
    }
    return out;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const gen = this.generation;
    if (!gen || gen.aborted || batch.messages.length === 0) return;
    const files = await gen.partition(batch.partition);
    if (gen !== this.generation || gen.aborted) return; // superseded: unresolved messages are fetched again
    const eventTimeField = this.settings.eventTimeField;
    const skippedBefore = files.skipped;
    let last: string | undefined;
    for (let i = 0; i < batch.messages.length; i++) {
      const message = batch.messages[i]!;
      if (i % 1000 === 0 && (!isRunning() || isStale())) break;
      const offset = Number(message.offset);
      last = message.offset;
      this.stats.consumed++;
      if (files.hasRead(offset)) continue; // fetched again after a retried batch
      let value: LakeValue;
      let reason: string | undefined;
      try {
        if (message.value === null || message.value.length === 0) throw new GuardianError('empty value (tombstone)');
        value = await this.decode!(message.value);
        const time = value[eventTimeField];
        if (typeof time !== 'number' || !Number.isFinite(time)) throw new GuardianError(`${eventTimeField}: no event time (${String(time)})`);
        files.append(offset, time, { value, offset, timestamp: Number(message.timestamp), key: message.key ? Buffer.from(message.key) : null }, Date.now());
      } catch (error) {
        // The registry being unreachable is not the message's fault: fail the batch, kafkajs fetches it again.
        if (registryUnreachable(error)) throw new ServiceUnavailableError('schema registry', (error as Error).message, { cause: error });
        reason = (error as Error).message;
      }
      if (reason !== undefined) {
        await this.deps.deadLetters.send({ topic: this.topic, partition: batch.partition, offset: message.offset }, message.value, reason);
        files.skip(offset);
        this.stats.deadLettered++;
      }
    }
    if (last !== undefined) resolveOffset(last);
    this.stats.skipped += files.skipped - skippedBefore;
    this.relieve(gen);
    gen.wake();
    await heartbeat();
  }

  private sumOver(gen: Generation, pick: (f: PartitionFiles<LakeRow>) => number): number {
    let n = 0;
    for (const f of gen.partitions.values()) n += pick(f);
    return n;
  }

  /** Bounded memory: close files early when the journal or the buffer grows too large. */
  private relieve(gen: Generation): void {
    // One early close per batch: the oldest open file is what holds the commit point (and so the journal) back.
    for (const files of gen.partitions.values()) if (files.journalSize() > this.settings.maxJournalEntries) files.closeOldest('pressure');
    if (gen.bufferedRows() > this.settings.maxBufferedRows) {
      for (const files of gen.partitions.values()) files.closeAll('pressure');
      this.setPaused('buffer', true);
    }
  }

  private setPaused(reason: PauseReason, on: boolean): void {
    const before = this.paused.size > 0;
    if (on) this.paused.add(reason);
    else this.paused.delete(reason);
    const after = this.paused.size > 0;
    if (before === after || !this.consumer) return;
    if (after) this.consumer.pause([{ topic: this.topic }]);
    else this.consumer.resume([{ topic: this.topic }]);
    if (reason === 'buffer') {
      this.deps.logger.info(
        { topic: this.topic, bufferedRows: this.generation?.bufferedRows() ?? 0, limit: this.settings.maxBufferedRows },
        after ? 'buffer full: pausing consumption until uploads catch up' : 'buffer drained: resuming consumption',
      );
    }
  }

  private async flushLoop(gen: Generation): Promise<void> {
    while (!gen.aborted) {
      await gen.tick(1000);
      if (gen.aborted) break;
      const now = Date.now();
      for (const files of gen.partitions.values()) files.closeDue(now);
      try {
        await gen.exclusive(() => this.flush(gen));
      } catch (error) {
        if (gen.aborted) break;
        if (!gen.fenced) this.deps.logger.warn({ topic: this.topic, error: (error as Error).message }, 'lake flush failed; retrying');
        await sleep(1000);
      }
      if (this.paused.has('buffer') && gen.bufferedRows() <= this.settings.maxBufferedRows / 2) this.setPaused('buffer', false);
    }
  }

  /** Commit (journal + progress), upload what the commit allows, repeat until nothing is left to upload. */
  private async flush(gen: Generation): Promise<void> {
    for (;;) {
      if (gen.aborted) return;
      await this.commit(gen);
      const uploads: Array<[PartitionFiles<LakeRow>, LakeFile<LakeRow>]> = [];
      for (const files of gen.partitions.values()) for (const file of files.uploadable()) uploads.push([files, file]);
      if (uploads.length === 0) return;
      await this.uploadAll(gen, uploads);
    }
  }

  private async commit(gen: Generation): Promise<boolean> {
    const commits: Array<{ topic: string; partition: number; offset: string; metadata: string }> = [];
    const after: Array<() => void> = [];
    for (const [partition, files] of gen.partitions) {
      const snap = files.snapshot();
      if (!snap) continue;
      const fresh = new Set(snap.newlyJournaled.map(fileName));
      const { entries, included } = journalWithin(snap.checkpoint.entries, (e) => fresh.has(`${e.hour}:${e.first}`));
      const metadata = encodeJournal(entries);
      if (metadata.length > MAX_METADATA_CHARS) {
        this.deps.logger.error({ topic: this.topic, partition, entries: entries.length }, 'lake journal too long to commit; closing files early');
        files.closeOldest('pressure');
        continue;
      }
      const signature = `${snap.checkpoint.offset}|${metadata}`;
      if (gen.lastCommitted.get(partition) === signature) continue;
      const journaled = new Set(included.map((e) => `${e.hour}:${e.first}`));
      const nowJournaled = snap.newlyJournaled.filter((f) => journaled.has(fileName(f)));
      commits.push({ topic: this.topic, partition, offset: String(snap.checkpoint.offset), metadata });
      after.push(() => {
        files.markJournaled(nowJournaled);
        gen.lastCommitted.set(partition, signature);
        this.committed.set(partition, snap.checkpoint.offset);
      });
    }
    if (commits.length === 0) return true;
    if (gen.fenced || gen.aborted || gen !== this.generation) return false;
    const epoch = this.epoch;
    const confirmations = this.commitEvents;
    await this.consumer!.commitOffsets(commits);
    // kafkajs returns silently when the consumer stopped, and retries across a rejoin with the
    // new generation: only a commit confirmed without any group change in between counts.
    if (epoch !== this.epoch || confirmations === this.commitEvents || gen.aborted || gen !== this.generation) return false;
    for (const apply of after) apply();
    this.stats.commits++;
    return true;
  }

  private async uploadAll(gen: Generation, uploads: Array<[PartitionFiles<LakeRow>, LakeFile<LakeRow>]>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < uploads.length && !gen.aborted) {
        const [files, file] = uploads[next++]!;
        const schema = this.schema!;
        const body = await encodeParquet(schema.columns, toColumns(schema, file.rows, this.topic, file.partition), file.rowCount);
        const key = fileKey(this.settings.prefix, { topic: this.topic, partition: file.partition, hour: file.hour, firstOffset: file.firstOffset });
        await this.uploader.put(key, body, gen.abort.signal);
        files.markDurable(file);
        this.stats.filesUploaded++;
        this.stats.rowsUploaded += file.rowCount;
        this.stats.bytesUploaded += body.length;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.uploadConcurrency, uploads.length) }, worker));
  }

  private lastProgress = { at: performance.now(), consumed: 0, rows: 0 };

  private logProgress(final = false): void {
    const now = performance.now();
    const seconds = Math.max((now - this.lastProgress.at) / 1000, 1e-3);
    const s = this.stats;
    if (!final && s.consumed === this.lastProgress.consumed && s.rowsUploaded === this.lastProgress.rows) return;
    const gen = this.generation;
    this.deps.logger.info(
      {
        topic: this.topic,
        consumed: s.consumed,
        consumedPerSecond: Math.round((s.consumed - this.lastProgress.consumed) / seconds),
        filesUploaded: s.filesUploaded,
        rowsUploaded: s.rowsUploaded,
        rowsUploadedPerSecond: Math.round((s.rowsUploaded - this.lastProgress.rows) / seconds),
        megabytesUploaded: Math.round(s.bytesUploaded / 1e5) / 10,
        bufferedRows: gen?.bufferedRows() ?? 0,
        openFiles: gen ? this.sumOver(gen, (f) => f.openFiles()) : 0,
        skipped: s.skipped,
        deadLettered: s.deadLettered,
      },
      final ? 'lake sink stopped' : 'lake sink progress',
    );
    this.lastProgress = { at: now, consumed: s.consumed, rows: s.rowsUploaded };
  }
}
