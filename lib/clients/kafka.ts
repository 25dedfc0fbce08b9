/** The Kafka client every module shares: brokers from config, kafkajs logs routed to pino. */
import { Kafka, logLevel, type LogEntry, type ProducerConfig } from 'kafkajs';
import type { Config } from '../config.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { createLogger } from '../logger.ts';

const log = createLogger('kafkajs');

const toPino = (level: logLevel) => (entry: LogEntry) => {
  const { message, ...rest } = entry.log;
  // kafkajs logs every error *response* (e.g. "coordinator is loading") before
  // retrying it; failures that survive the retries reach the caller as errors.
  if (entry.namespace === 'Connection') log.debug({ ...rest, ns: entry.namespace }, message);
  else if (level === logLevel.ERROR) log.error({ ...rest, ns: entry.namespace }, message);
  else if (level === logLevel.WARN) log.warn({ ...rest, ns: entry.namespace }, message);
  else log.debug({ ...rest, ns: entry.namespace }, message);
};

export function createKafka(
  config: Config,
  clientId = 'clickstream-guardian',
  options: { quiet?: boolean; retries?: number } = {},
): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  return new Kafka({
    clientId,
    brokers: config.kafka.brokers,
    logLevel: options.quiet ? logLevel.NOTHING : logLevel.WARN,
    logCreator: () => (entry) => toPino(entry.level)(entry),
    retry: { retries: options.retries ?? 8, initialRetryTime: 200, maxRetryTime: 5000 },
  });
}

/**
 * Client retries for a long run that must ride out a broker restart (a KRaft
 * broker recovering its logs after a crash takes well over the default's
 * ~15 s): about three minutes of reconnecting at up to 5 s apart.
 */
export const OUTLAST_BROKER_RESTART = { retries: 40 } as const;

/** Fails fast, with the usual "not reachable" error, when no broker answers now. */
export async function assertKafkaReachable(config: Config): Promise<void> {
  const admin = createKafka(config, 'guardian-probe', { quiet: true, retries: 3 }).admin();
  try {
    await admin.connect();
  } catch (error) {
    throw new ServiceUnavailableError('Kafka', `brokers ${config.kafka.brokers.join(',')}: ${(error as Error).message}`, { cause: error });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every producer of the project: idempotent, one request in flight, no topic
 * auto-creation, and sends retried without limit — kafkajs' own default for
 * the idempotent producer, since a bounded number could break its sequence
 * guarantees (connecting stays bounded by the client's retry).
 */
export const IDEMPOTENT_PRODUCER = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
} as const satisfies ProducerConfig;
