/**
 * Replays one YOOCHOOSE file into Kafka as Avro (SPEC §1–2).
 *
 * Delivery: an idempotent producer (acks from all in-sync replicas, one
 * request in flight per broker), so broker restarts are retried without
 * loss or duplicates; messages are keyed by session_id, so one session's
 * events stay in one partition, in order. The file is streamed, never loaded.
 * Every malformed row goes to the DLQ with file, line, raw text and reason,
 * and the run goes on: rows read = produced + dead-lettered, always.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerValueEncoder } from '../../lib/avro-codec.ts';
import { IDEMPOTENT_PRODUCER } from '../../lib/clients/kafka.ts';
import { ServiceUnavailableError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { createProgress } from '../../lib/progress.ts';
import { sleep } from '../../lib/retry.ts';
import { TOPICS } from '../../lib/topics.ts';
import {
  clickEventSchema,
  deadLetterSchema,
  purchaseEventSchema,
  type ClickEvent,
  type EventSchema,
  type PurchaseEvent,
} from '../../schemas/index.ts';
import { parseClickLine, parsePurchaseLine, readLineBatches, toDeadLetter, type LineOutcome } from '../parse/index.ts';
import { AnomalyInjector, type Injection } from './anomaly-injector.ts';
import { BatchSender } from './batch-sender.ts';
import { ReplayPacer } from './replay-pacer.ts';

export type EventKind = 'clicks' | 'purchases';

export interface ProduceOptions {
  kind: EventKind;
  csvPath: string;
  /** Stop after this many rows were read (produced + dead-lettered). */
  maxEvents?: number;
  /** X× real time by event timestamps; Infinity = as fast as possible. */
  replaySpeed: number;
  /** Inject a synthetic anomalous session every N seconds of event time (clicks only). */
  anomalyIntervalSeconds?: number;
  /** Reserved session-id range for injected sessions. */
  injectedSessionIdBase: number;
  /** Only rows with from ≤ event time < to (epoch ms) are produced; others are skipped. */
  fromMs?: number;
  toMs?: number;
  /** Override the target topic (tests, replays into a side topic). */
  topic?: string;
  deadLetterTopic?: string;
  batchSize?: number;
  /** Set to stop early (SIGINT/SIGTERM): the run flushes and returns its summary. */
  signal?: AbortSignal;
  onInjection?: (injection: Injection) => void;
}

export interface ProduceSummary {
  kind: EventKind;
  file: string;
  topic: string;
  deadLetterTopic: string;
  read: number;
  produced: number;
  deadLettered: number;
  injected: number;
  injectedSessions: number;
  skipped: number;
  seconds: number;
  eventsPerSecond: number;
  stoppedEarly: boolean;
  /** Every line of the file was looked at (no --max-events cut, no stop signal). */
  wholeFile: boolean;
}

const PARSERS = {
  clicks: parseClickLine,
  purchases: parsePurchaseLine,
} as const;

export async function connectProducer(kafka: Kafka, brokers: string[]): Promise<Producer> {
  const producer = kafka.producer(IDEMPOTENT_PRODUCER);
  try {
    await producer.connect();
  } catch (error) {
    throw new ServiceUnavailableError('Kafka', `brokers ${brokers.join(',')}: ${(error as Error).message}`, { cause: error });
  }
  return producer;
}

export async function produceFile(
  deps: { producer: Producer; registry: SchemaRegistry; logger: Logger },
  options: ProduceOptions,
): Promise<ProduceSummary> {
  const { producer, registry, logger } = deps;
  const topic = options.topic ?? (options.kind === 'clicks' ? TOPICS.clicks : TOPICS.purchases);
  const dlqTopic = options.deadLetterTopic ?? TOPICS.deadLetters;
  const source = path.basename(options.csvPath);
  const fileSize = fs.statSync(options.csvPath).size;

  const eventSchema = (options.kind === 'clicks' ? clickEventSchema : purchaseEventSchema) as EventSchema<ClickEvent | PurchaseEvent>;
  const encoder = await registerValueEncoder(registry, topic, eventSchema);
  const dlqEncoder = await registerValueEncoder(registry, dlqTopic, deadLetterSchema);
  const events = new BatchSender(producer, topic, options.batchSize);
  const deadLetters = new BatchSender(producer, dlqTopic, 500);
  const parse = PARSERS[options.kind] as (line: string, ctx: { source: string; lineNumber: number }) => LineOutcome<ClickEvent | PurchaseEvent>;
  const pacer = new ReplayPacer(options.replaySpeed);
  const injector =
    options.kind === 'clicks' && options.anomalyIntervalSeconds
      ? new AnomalyInjector(options.anomalyIntervalSeconds, options.injectedSessionIdBase, (injection) => {
          logger.info({ injection }, 'injected anomalous session');
          options.onInjection?.(injection);
        })
      : undefined;

  let read = 0;
  let cutShort = false;
  let injected = 0;
  let skipped = 0;
  let bytesRead = 0;
  const started = performance.now();
  const progress = createProgress({ label: `produce ${options.kind}`, total: fileSize, unit: 'bytes', logger });

  // The record keeps the broker's default timestamp (now), not the 2014 event time: a broker
  // that restarts expires idempotent-producer state whose last record timestamp is older than
  // producer.id.expiration.ms, and would then accept a retried batch as new — a duplicate.
  // The event time travels in the Avro value.
  const send = (event: ClickEvent | PurchaseEvent) => events.add({ key: String(event.session_id), value: encoder.encode(event) });
  const sendInjected = async (clicks: ClickEvent[]) => {
    for (const click of clicks) await send(click);
    injected += clicks.length;
  };

  outer: for await (const batch of readLineBatches(options.csvPath)) {
    for (let i = 0; i < batch.lines.length; i++) {
      if (options.signal?.aborted || (options.maxEvents !== undefined && read >= options.maxEvents)) {
        cutShort = true;
        break outer;
      }
      const line = batch.lines[i]!;
      bytesRead += line.length + 1;
      const lineNumber = batch.firstLineNumber + i;
      const outcome = parse(line, { source, lineNumber });
      if (outcome.kind === 'dead-letter') {
        read++;
        await deadLetters.add({ value: dlqEncoder.encode(toDeadLetter(outcome)) });
        continue;
      }
      const event = outcome.event;
      if ((options.fromMs !== undefined && event.timestamp < options.fromMs) || (options.toMs !== undefined && event.timestamp >= options.toMs)) {
        skipped++;
        continue;
      }
      read++;
      const wait = pacer.delayFor(event.timestamp);
      if (wait > 2) {
        await events.flush();
        await sleep(wait);
      }
      if (injector) await sendInjected(injector.due(event.timestamp));
      await send(event);
    }
    progress.update(bytesRead, { read });
  }
  if (injector) await sendInjected(injector.drain());
  await Promise.all([events.flush(), deadLetters.flush()]);
  progress.stop();

  const seconds = (performance.now() - started) / 1000;
  const produced = events.acknowledged - injected;
  return {
    kind: options.kind,
    file: options.csvPath,
    topic,
    deadLetterTopic: dlqTopic,
    read,
    produced,
    deadLettered: deadLetters.acknowledged,
    injected,
    injectedSessions: injector?.injections.length ?? 0,
    skipped,
    seconds,
    eventsPerSecond: Math.round((produced + injected) / Math.max(seconds, 1e-3)),
    stoppedEarly: Boolean(options.signal?.aborted),
    wholeFile: !cutShort && !options.signal?.aborted,
  };
}
