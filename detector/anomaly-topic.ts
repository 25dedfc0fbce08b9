/**
 * The anomaly topic as the outbox publisher sees it: a transactional kafkajs
 * producer with a fixed transactional id, and read_committed reads.
 *
 * Opening fences: kafkajs initialises the transactional id only on the first
 * `transaction()` call (connect() initialises a plain idempotent producer id,
 * which fences nothing), so open() begins and abandons an empty transaction
 * (no request) right away. The broker then bumps the id's epoch, aborts the
 * previous holder's open transaction (or waits for its commit to complete),
 * and refuses that holder's later sends and commits
 * (INVALID_PRODUCER_EPOCH). After open() returns, every transaction of an
 * earlier holder is decided and, if committed, below the end offsets.
 *
 * A message is an Avro `AnomalyEvent`, keyed by session_id, timestamped with
 * detected_at.
 */
import type { Kafka, Producer } from 'kafkajs';
import type { ValueEncoder } from '../lib/avro-codec.ts';
import { IDEMPOTENT_PRODUCER } from '../lib/clients/kafka.ts';
import { readTopicRange } from '../lib/topic-read.ts';
import type { AnomalyEvent } from '../schemas/index.ts';

/** Identity of an anomaly (anomaly_sessions' primary key), on the topic as in PostgreSQL. */
export const anomalyKey = (sessionId: number | string, anomalyType: string, windowStartMs: number): string => `${sessionId}|${anomalyType}|${windowStartMs}`;

export interface AnomalyTransaction {
  send(events: readonly AnomalyEvent[]): Promise<void>;
  commit(): Promise<void>;
}

export interface AnomalyTopic {
  /** read_committed end offset of each partition, indexed by partition. */
  endOffsets(): Promise<number[]>;
  begin(): Promise<AnomalyTransaction>;
  /** anomalyKey of every committed event from `from` (by partition; a partition not listed from its start) to the current end. */
  keysFrom(from: readonly number[]): Promise<Set<string>>;
  /** Disconnects; an open transaction is left to the next holder's fencing (aborted then). */
  close(): Promise<void>;
}

export interface AnomalyTopicDeps {
  kafka: Kafka;
  encoder: ValueEncoder<AnomalyEvent>;
  decode: (value: Buffer) => Promise<AnomalyEvent>;
}

export interface AnomalyTopicOptions {
  topic: string;
  transactionalId: string;
  /** The broker aborts a transaction left open longer. @default 60000 */
  transactionTimeoutMs?: number;
}

export async function openAnomalyTopic(deps: AnomalyTopicDeps, options: AnomalyTopicOptions): Promise<AnomalyTopic> {
  const { kafka, encoder, decode } = deps;
  const { topic } = options;
  const producer: Producer = kafka.producer({
    ...IDEMPOTENT_PRODUCER,
    transactionalId: options.transactionalId,
    transactionTimeout: options.transactionTimeoutMs ?? 60_000,
  });
  const admin = kafka.admin();
  try {
    await producer.connect();
    await (await producer.transaction()).abort();
    await admin.connect();
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw error;
  }

  const endOffsets = async (): Promise<number[]> => {
    const offsets: number[] = [];
    for (const p of await admin.fetchTopicOffsets(topic)) offsets[p.partition] = Number(p.high);
    return offsets;
  };

  return {
    endOffsets,
    async begin() {
      const transaction = await producer.transaction();
      return {
        async send(events) {
          await transaction.send({
            topic,
            acks: -1,
            messages: events.map((event) => ({ key: String(event.session_id), value: encoder.encode(event), timestamp: String(event.detected_at) })),
          });
        },
        commit: () => transaction.commit(),
      };
    },
    async keysFrom(from) {
      const ends = await endOffsets();
      const keys = new Set<string>();
      await readTopicRange(
        kafka,
        topic,
        { from: new Map(from.flatMap((offset, partition) => (offset === undefined ? [] : [[partition, offset] as const]))), to: new Map(ends.map((end, partition) => [partition, end])) },
        async (message) => {
          if (message.value === null) return;
          const event = await decode(message.value);
          keys.add(anomalyKey(event.session_id, event.anomaly_type, event.window_start));
        },
      );
      return keys;
    },
    async close() {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}
