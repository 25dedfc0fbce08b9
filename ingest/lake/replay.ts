/**
 * Replays an event-time range of a topic from the lake into Kafka — the
 * same topic or another one — so a downstream consumer can be rebuilt.
 *
 * Guarantees:
 * - exactly the records whose event time lies in [from, to) are produced,
 *   each once (a (partition, offset) seen twice is dropped and counted);
 * - per source partition, records are produced in their original offset
 *   order, with their original key; by default into the same partition
 *   number (when the target has that partition), otherwise by key, which
 *   keeps one session in one partition;
 * - the Kafka timestamp is the broker's (now), as for the producers: an old
 *   record timestamp would let a restarted broker expire the idempotent
 *   producer's state and accept a retried batch twice. The event time is in
 *   the value; the original Kafka timestamp stays in the lake (`_timestamp`);
 * - values are re-encoded as Avro with the topic's reader schema, registered
 *   under `<target>-value`;
 * - memory holds only the files whose offset ranges overlap the current
 *   position of the merge, not the whole range;
 * - delivery is kafkajs' idempotent producer (acks = all), with one batch in
 *   flight: a replay that fails half-way can be rerun into a fresh topic.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Admin, Message, Producer } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerValueEncoder } from '../../lib/avro-codec.ts';
import { ConfigError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { createProgress } from '../../lib/progress.ts';
import { BatchSender } from '../producer/batch-sender.ts';
import { lakeSchemaOf } from './lake-schema.ts';
import { listLakeFiles, readLakeFile, type LakeObject } from './lake-reader.ts';
import { valueSchemaFor } from './value-schema.ts';

export interface ReplayOptions {
  topic: string;
  /** Event-time range, epoch ms, [fromMs, toMs). */
  fromMs: number;
  toMs: number;
  /** @default the source topic */
  targetTopic?: string;
  prefix: string;
  /** `same`: the source partition number when the target has it, else by key; `key`: always by key. @default same */
  partitioning?: 'same' | 'key';
  eventTimeField?: string;
  batchSize?: number;
}

export interface ReplaySummary {
  topic: string;
  targetTopic: string;
  files: number;
  bytes: number;
  /** Rows read from the files (the range's hours). */
  read: number;
  produced: number;
  /** Rows of the listed hours outside [from, to). */
  outsideRange: number;
  duplicatesDropped: number;
  seconds: number;
  rowsPerSecond: number;
}

export interface ReplayDeps {
  s3: S3Client;
  bucket: string;
  producer: Producer;
  admin: Admin;
  registry: SchemaRegistry;
  registryUrl: string;
  logger: Logger;
}

type Row = Record<string, unknown>;

/** One partition's files merged into offset order, loading a file only when the merge reaches it. */
async function* mergedRows(files: LakeObject[], load: (file: LakeObject) => Promise<Row[]>): AsyncGenerator<Row> {
  const pending = [...files].sort((a, b) => a.firstOffset - b.firstOffset);
  const active: Array<{ rows: Row[]; next: number }> = [];
  const head = (c: { rows: Row[]; next: number }) => c.rows[c.next]!._offset as number;
  for (;;) {
    let best = -1;
    for (let i = 0; i < active.length; i++) if (best < 0 || head(active[i]!) < head(active[best]!)) best = i;
    const nextFile = pending[0];
    if (nextFile && (best < 0 || nextFile.firstOffset <= head(active[best]!))) {
      pending.shift();
      const rows = (await load(nextFile)).sort((a, b) => (a._offset as number) - (b._offset as number));
      if (rows.length > 0) active.push({ rows, next: 0 });
      continue;
    }
    if (best < 0) return;
    const cursor = active[best]!;
    yield cursor.rows[cursor.next++]!;
    if (cursor.next >= cursor.rows.length) active.splice(best, 1);
  }
}

export async function replayLake(deps: ReplayDeps, options: ReplayOptions): Promise<ReplaySummary> {
  const { s3, bucket, producer, admin, registry, registryUrl, logger } = deps;
  if (!(options.fromMs < options.toMs)) throw new ConfigError('replay: --from must be before --to');
  const target = options.targetTopic ?? options.topic;
  const started = performance.now();
  const valueSchema = await valueSchemaFor(options.topic, registryUrl);
  const schema = lakeSchemaOf(valueSchema.schema, options.eventTimeField ?? 'timestamp');
  const encoder = await registerValueEncoder(registry, target, valueSchema);
  const [metadata] = (await admin.fetchTopicMetadata({ topics: [target] })).topics;
  const targetPartitions = metadata?.partitions.length ?? 0;
  if (targetPartitions === 0) throw new ConfigError(`replay: target topic ${target} does not exist`);

  const files = await listLakeFiles(s3, bucket, options.prefix, options.topic, { fromMs: options.fromMs, toMs: options.toMs });
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  logger.info({ topic: options.topic, target, files: files.length, megabytes: Math.round(totalBytes / 1e5) / 10 }, 'replaying from the lake');
  const byPartition = new Map<number, LakeObject[]>();
  for (const f of files) byPartition.set(f.partition, [...(byPartition.get(f.partition) ?? []), f]);

  const sender = new BatchSender(producer, target, options.batchSize ?? 5000);
  const progress = createProgress({ label: `replay ${options.topic}`, total: totalBytes, unit: 'bytes', logger });
  let read = 0;
  let outsideRange = 0;
  let duplicatesDropped = 0;
  let bytesDone = 0;
  const load = async (file: LakeObject): Promise<Row[]> => {
    const decoded = await readLakeFile(s3, bucket, file.key);
    read += decoded.rows.length;
    bytesDone += file.size;
    progress.update(bytesDone, { read });
    return decoded.rows;
  };
  for (const [partition, partitionFiles] of [...byPartition].sort((a, b) => a[0] - b[0])) {
    const keepPartition = (options.partitioning ?? 'same') === 'same' && partition < targetPartitions;
    let lastOffset = -1;
    for await (const row of mergedRows(partitionFiles, load)) {
      const offset = row._offset as number;
      if (offset === lastOffset) {
        duplicatesDropped++;
        continue;
      }
      lastOffset = offset;
      const time = row[schema.eventTimeField] as number;
      if (time < options.fromMs || time >= options.toMs) {
        outsideRange++;
        continue;
      }
      const value: Row = {};
      for (const c of schema.valueColumns) value[c.name] = row[c.name];
      const message: Message = { key: (row._key as Buffer | null) ?? null, value: encoder.encode(value) };
      if (keepPartition) message.partition = partition;
      await sender.add(message);
    }
  }
  await sender.flush();
  progress.stop();
  const seconds = (performance.now() - started) / 1000;
  return {
    topic: options.topic,
    targetTopic: target,
    files: files.length,
    bytes: totalBytes,
    read,
    produced: sender.acknowledged,
    outsideRange,
    duplicatesDropped,
    seconds,
    rowsPerSecond: Math.round(sender.acknowledged / Math.max(seconds, 1e-3)),
  };
}
