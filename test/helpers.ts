/** Shared by the integration suites: the real services' clients, unique names and polling. */
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { loadConfig } from '../lib/config.ts';
import { sleep } from '../lib/retry.ts';

export const config = loadConfig();

/** A name no other test (or earlier run) uses: kafkajs `test-topic-${random}` style. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Polls `probe` until `done` holds for its value or the time runs out; returns the last value. */
export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(intervalMs);
    value = await probe();
  }
  return value;
}


export interface ReadMessage {
  partition: number;
  offset: string;
  message: KafkaMessage;
}

/** Reads a topic from the beginning up to its current end (high watermarks at call time). */
export async function readWholeTopic(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((p) => Number(p.high) > 0).map((p) => [p.partition, Number(p.high)]));
  // Keyed by partition:offset: a consumer-group rebalance may deliver a batch twice; the topic's content is what counts.
  const out = new Map<string, ReadMessage>();
  if (remaining.size === 0) return [];
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxBytes: 50 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out with ${out.size} messages`)), timeoutMs);
      void consumer.run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          const end = remaining.get(batch.partition);
          for (const message of batch.messages) {
            if (end !== undefined && Number(message.offset) < end) {
              out.set(`${batch.partition}:${message.offset}`, { partition: batch.partition, offset: message.offset, message });
            }
          }
          const last = batch.messages.at(-1);
          if (end !== undefined && last && Number(last.offset) + 1 >= end) remaining.delete(batch.partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return [...out.values()];
}
