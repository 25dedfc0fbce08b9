/**
 * The live feed behind the `anomalyDetected` subscription: one Kafka
 * consumer per gateway process on the anomalies topic (Avro `AnomalyEvent`,
 * decoded through the registry), fanned out in memory to every subscriber.
 *
 * Each process reads in a consumer group of its own (`guardian-gateway-
 * <host>-<random>`), so every gateway replica sees every anomaly, starting
 * at the end of the topic when it starts (a subscription is live news, not
 * history: history is the `anomalies` query). Nothing is committed. If
 * Kafka is down at start, the feed keeps retrying in the background; the
 * rest of the gateway does not wait for it.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Consumer, Kafka } from 'kafkajs';
import { createPubSub } from 'graphql-yoga';
import { createValueDecoder } from '../lib/avro-codec.ts';
import type { Logger } from '../lib/logger.ts';
import { sleep } from '../lib/retry.ts';
import { anomalyEventSchema, type AnomalyEvent } from '../schemas/index.ts';
import { ANOMALY_TYPES, type AnomalyRecord, type AnomalyTypeName } from './data/anomaly-store.ts';

export interface AnomalyFeed {
  /** Every anomaly read from now on, until the iterator is returned. */
  subscribe(): AsyncIterable<AnomalyRecord>;
  /** Resolves once the consumer has joined its group and has its partitions. */
  readonly ready: Promise<void>;
  /** Subscribers right now. */
  subscribers(): number;
  stop(): Promise<void>;
}

export interface AnomalyFeedDeps {
  kafka: Kafka;
  registry: SchemaRegistry;
  topic: string;
  logger: Logger;
  /** Called for each anomaly delivered (metrics). */
  onAnomaly?: (anomaly: AnomalyRecord) => void;
  retryDelayMs?: number;
}

const isKnownType = (type: string): type is AnomalyTypeName => (ANOMALY_TYPES as readonly string[]).includes(type);

export function startAnomalyFeed(deps: AnomalyFeedDeps): AnomalyFeed {
  const pubsub = createPubSub<{ anomaly: [AnomalyRecord] }>();
  const decode = createValueDecoder<AnomalyEvent>(deps.registry, anomalyEventSchema);
  const groupId = `guardian-gateway-${os.hostname()}-${randomUUID().slice(0, 8)}`;
  const stopping = new AbortController();
  let consumer: Consumer | undefined;
  let subscribers = 0;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const run = async (): Promise<void> => {
    while (!stopping.signal.aborted) {
      const current = deps.kafka.consumer({ groupId, allowAutoTopicCreation: false });
      consumer = current;
      current.on(current.events.GROUP_JOIN, () => markReady());
      try {
        await current.connect();
        await current.subscribe({ topic: deps.topic, fromBeginning: false });
        await current.run({
          autoCommit: false,
          eachMessage: async ({ message, partition }) => {
            if (message.value === null) return;
            let event: AnomalyEvent;
            try {
              event = await decode(message.value);
            } catch (error) {
              deps.logger.warn({ err: error, topic: deps.topic, partition, offset: message.offset }, 'undecodable anomaly skipped');
              return;
            }
            if (!isKnownType(event.anomaly_type)) return;
            const anomaly: AnomalyRecord = {
              sessionId: Number(event.session_id),
              type: event.anomaly_type,
              windowStart: Number(event.window_start),
              windowEnd: Number(event.window_end),
              clickCount: event.click_count,
              uniqueItems: event.unique_items,
              detectedAt: Number(event.detected_at),
            };
            deps.onAnomaly?.(anomaly);
            pubsub.publish('anomaly', anomaly);
          },
        });
        deps.logger.info({ topic: deps.topic, groupId }, 'live anomaly feed started');
        return;
      } catch (error) {
        await current.disconnect().catch(() => undefined);
        if (stopping.signal.aborted) return;
        deps.logger.warn({ err: error, topic: deps.topic }, 'live anomaly feed cannot start; retrying');
        await sleep(deps.retryDelayMs ?? 10_000, stopping.signal);
      }
    }
  };
  const running = run();

  return {
    subscribe() {
      const source = pubsub.subscribe('anomaly');
      return {
        [Symbol.asyncIterator]() {
          const iterator = source[Symbol.asyncIterator]();
          subscribers++;
          let open = true;
          const close = () => {
            if (open) subscribers--;
            open = false;
          };
          return {
            next: () => iterator.next(),
            return: async (value?: unknown) => {
              close();
              return iterator.return ? iterator.return(value) : { done: true as const, value: undefined };
            },
            throw: async (error?: unknown) => {
              close();
              return iterator.throw ? iterator.throw(error) : Promise.reject(error);
            },
          };
        },
      };
    },
    ready,
    subscribers: () => subscribers,
    async stop() {
      stopping.abort();
      await running;
      await consumer?.disconnect().catch(() => undefined);
    },
  };
}
