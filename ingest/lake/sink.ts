/**
 * Starts the lake sink for a set of topics in this process: one consumer
 * group per topic (`<groupPrefix><topic>`), sharing one Kafka client, one
 * S3 client and one dead-letter producer. Start the same command on more
 * machines to split the partitions: each topic's group spreads them over its
 * members.
 */
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Producer } from 'kafkajs';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import type { Config } from '../../lib/config.ts';
import { ServiceUnavailableError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { connectProducer } from '../producer/produce-file.ts';
import { DeadLetterSender } from './dead-letters.ts';
import { createS3 } from '../../lib/clients/s3.ts';
import { normalizePrefix } from './lake-path.ts';
import type { SinkSettings } from './sink-settings.ts';
import { TopicSink } from './topic-sink.ts';

export interface RunningSink {
  readonly sinks: TopicSink[];
  /** Rejects when a topic's sink fails for good. */
  readonly failed: Promise<never>;
  /** Flushes what it can (bounded by `timeoutMs`), leaves the groups, closes the clients. */
  stop(timeoutMs?: number): Promise<void>;
}

async function checkBucket(s3: S3Client, config: Config): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: config.s3.bucket }));
  } catch (error) {
    throw new ServiceUnavailableError('S3', `bucket ${config.s3.bucket} at ${config.s3.endpoint}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
  }
}

export async function startSink(config: Config, topics: readonly string[], settings: SinkSettings, logger: Logger): Promise<RunningSink> {
  const prefix = normalizePrefix(settings.prefix);
  const s3 = createS3(config);
  await checkBucket(s3, config);
  const kafka = createKafka(config, 'guardian-lake-sink');
  const registry = createRegistry(config);
  let producer: Producer | undefined;
  const sinks: TopicSink[] = [];
  try {
    producer = await connectProducer(kafka, config.kafka.brokers);
    const deadLetters = new DeadLetterSender(producer, registry, settings.deadLetterTopic);
    for (const topic of topics) {
      const sink = new TopicSink({ kafka, registry, registryUrl: config.schemaRegistry.url, s3, bucket: config.s3.bucket, deadLetters, logger }, topic, { ...settings, prefix });
      sinks.push(sink);
      await sink.start();
    }
  } catch (error) {
    await Promise.allSettled(sinks.map((s) => s.stop(0)));
    await producer?.disconnect();
    s3.destroy();
    throw error;
  }
  const failed = Promise.race(sinks.map((s) => s.failed));
  failed.catch(() => undefined);
  return {
    sinks,
    failed,
    async stop(timeoutMs = 30_000) {
      await Promise.allSettled(sinks.map((s) => s.stop(timeoutMs)));
      await producer?.disconnect();
      s3.destroy();
    },
  };
}
