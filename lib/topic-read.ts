/**
 * Reading a topic as it stands: committed records (read_committed, kafkajs'
 * default: aborted records and transaction markers are never delivered,
 * though they occupy offsets) from given offsets up to given end offsets.
 * A throwaway consumer group, nothing committed; records before a start
 * offset may be delivered too (the seek races the first fetch), records past
 * an end are dropped.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { ServiceUnavailableError } from './errors.ts';

export interface TopicRange {
  /** First offset to read, by partition. */
  from: ReadonlyMap<number, number>;
  /** Offset to stop before (a read_committed end offset), by partition. */
  to: ReadonlyMap<number, number>;
}

export async function readTopicRange(
  kafka: Kafka,
  topic: string,
  range: TopicRange,
  onMessage: (message: KafkaMessage, partition: number) => Promise<void>,
  timeoutMs = 60_000,
): Promise<void> {
  const remaining = new Set([...range.to].filter(([partition, end]) => end > (range.from.get(partition) ?? 0)).map(([partition]) => partition));
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({ groupId: `guardian-topic-reader-${randomUUID()}`, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ServiceUnavailableError('Kafka', `reading ${topic} did not reach the end offsets within ${timeoutMs} ms`)),
        timeoutMs,
      );
      // END_BATCH_PROCESS also fires for fetches of markers or aborted records only, which never reach eachBatch.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (Number(payload.lastOffset) + 1 >= (range.to.get(payload.partition) ?? 0)) remaining.delete(payload.partition);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) {
          clearTimeout(timer);
          reject(payload.error);
        }
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = range.to.get(batch.partition) ?? 0;
            for (const message of batch.messages) if (Number(message.offset) < end) await onMessage(message, batch.partition);
          },
        })
        .then(() => {
          for (const [partition, end] of range.to) {
            consumer.seek({ topic, partition, offset: String(remaining.has(partition) ? (range.from.get(partition) ?? 0) : end) });
          }
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error as Error);
        });
    });
  } finally {
    await consumer.disconnect();
  }
}

export interface ReadMessage {
  partition: number;
  offset: string;
  message: KafkaMessage;
}

/** Every record the topic holds now: from each partition's start to its end offset at call time. */
export async function readWholeTopic(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  // Keyed by partition:offset: a record delivered twice (a rebalance, the seek race) is one record of the topic.
  const out = new Map<string, ReadMessage>();
  await readTopicRange(
    kafka,
    topic,
    { from: new Map(offsets.map((p) => [p.partition, Number(p.low)])), to: new Map(offsets.map((p) => [p.partition, Number(p.high)])) },
    async (message, partition) => {
      out.set(`${partition}:${message.offset}`, { partition, offset: message.offset, message });
    },
    timeoutMs,
  );
  return [...out.values()];
}
