/**
 * `guardian sink` (Kafka → S3 Parquet lake, exactly once) and
 * `guardian replay` (lake → Kafka, one event-time range).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { dateOrInstant, positiveInteger, stopSignal } from '../../lib/cli-args.ts';
import { loadConfig } from '../../lib/config.ts';
import { ServiceUnavailableError } from '../../lib/errors.ts';
import { createLogger } from '../../lib/logger.ts';
import { TOPICS } from '../../lib/topics.ts';
import { connectProducer } from '../producer/produce-file.ts';
import { createS3 } from '../../lib/clients/s3.ts';
import { normalizePrefix } from './lake-path.ts';
import { replayLake, type ReplaySummary } from './replay.ts';
import { startSink } from './sink.ts';
import { DEFAULT_SINK_SETTINGS, type SinkSettings } from './sink-settings.ts';

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').filter(Boolean)];
const prefixOption = (value: string): string => {
  try {
    return normalizePrefix(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

export function registerSinkCommand(program: Command): void {
  const d = DEFAULT_SINK_SETTINGS;
  program
    .command('sink')
    .description('write every event of the raw topics exactly once to the S3 lake as Parquet (dt=/hour= by event time); runs until SIGINT/SIGTERM')
    .option('--topic <name>', `topic to sink, repeatable or comma-separated (default: ${TOPICS.clicks}, ${TOPICS.purchases})`, collect)
    .option('--prefix <path>', 'lake root under the bucket', prefixOption, d.prefix)
    .option('--max-rows <n>', 'close a file at this many rows', positiveInteger('--max-rows'), d.maxRows)
    .option('--max-age <seconds>', 'close a file this long after its first row', positiveInteger('--max-age'), d.maxAgeMs / 1000)
    .option('--late-grace <seconds>', "close an hour's file once the partition's event time is this far past the hour", positiveInteger('--late-grace'), d.lateGraceMs / 1000)
    .option('--group-prefix <prefix>', 'consumer group of a topic: <prefix><topic>', d.groupPrefix)
    .option('--max-buffered-rows <n>', 'rows held in memory per topic before closing early and pausing', positiveInteger('--max-buffered-rows'), d.maxBufferedRows)
    .option('--upload-concurrency <n>', 'files uploaded at once per topic', positiveInteger('--upload-concurrency'), d.uploadConcurrency)
    .option('--session-timeout <seconds>', 'how soon the group notices a dead member (the broker allows 6–1800 by default)', positiveInteger('--session-timeout'), d.sessionTimeoutMs / 1000)
    .option('--event-time-field <name>', 'value field holding the event time (timestamp-millis)', d.eventTimeField)
    .option('--dead-letter-topic <name>', 'where undecodable messages go', d.deadLetterTopic)
    .action(async (opts) => {
      const config = loadConfig();
      const logger = createLogger('lake-sink');
      const settings: SinkSettings = {
        ...d,
        prefix: opts.prefix,
        maxRows: opts.maxRows,
        maxAgeMs: opts.maxAge * 1000,
        lateGraceMs: opts.lateGrace * 1000,
        groupPrefix: opts.groupPrefix,
        maxBufferedRows: opts.maxBufferedRows,
        uploadConcurrency: opts.uploadConcurrency,
        sessionTimeoutMs: opts.sessionTimeout * 1000,
        eventTimeField: opts.eventTimeField,
        deadLetterTopic: opts.deadLetterTopic,
      };
      const topics: string[] = opts.topic ?? [TOPICS.clicks, TOPICS.purchases];
      const sink = await startSink(config, topics, settings, logger);
      const stopped = new Promise<string>((resolve) => {
        stopSignal((signal) => {
          logger.warn({ signal }, 'stopping: closing open files, uploading and committing what is buffered');
          resolve(signal);
        });
      });
      try {
        await Promise.race([stopped, sink.failed]);
      } finally {
        // Whatever is not uploaded and committed by then is read again by the next owner: safe to leave.
        const stopTimeoutMs = 30_000;
        setTimeout(() => {
          logger.error({ seconds: (stopTimeoutMs + 15_000) / 1000 }, 'stop did not finish in time; exiting (nothing lost: uncommitted records are read again)');
          process.exit(1);
        }, stopTimeoutMs + 15_000).unref();
        await sink.stop(stopTimeoutMs);
      }
    });
}

export function formatReplaySummary(s: ReplaySummary): string {
  return (
    `replay ${s.topic} → ${s.targetTopic}: ${s.files} files (${(s.bytes / 1e6).toFixed(1)} MB), read ${s.read}, produced ${s.produced}` +
    (s.outsideRange ? `, ${s.outsideRange} outside the range` : '') +
    (s.duplicatesDropped ? `, ${s.duplicatesDropped} duplicates dropped` : '') +
    `; ${s.rowsPerSecond} rows/s over ${s.seconds.toFixed(1)} s`
  );
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('re-produce an event-time range of a topic from the S3 lake into Kafka, in offset order per partition')
    .requiredOption('--topic <name>', 'source topic (its lake folder)')
    .requiredOption('--from <date|instant>', 'first day (YYYY-MM-DD) or instant, e.g. 2014-04-01T10:00Z', dateOrInstant('--from', 'start'))
    .requiredOption('--to <date|instant>', 'last day (YYYY-MM-DD, inclusive) or instant (exclusive), e.g. 2014-04-01T11:00Z', dateOrInstant('--to', 'end'))
    .option('--target-topic <name>', 'topic to produce into (default: the source topic)')
    .option('--prefix <path>', 'lake root under the bucket', prefixOption, DEFAULT_SINK_SETTINGS.prefix)
    .option('--partitioning <mode>', '"same" (source partition number when the target has it) or "key"', (value: string) => {
      if (value !== 'same' && value !== 'key') throw new InvalidArgumentError(`--partitioning: expected "same" or "key", got "${value}"`);
      return value;
    }, 'same')
    .action(async (opts) => {
      const config = loadConfig();
      const logger = createLogger('lake-replay');
      const kafka = createKafka(config, 'guardian-lake-replay');
      const s3 = createS3(config);
      const admin = kafka.admin();
      try {
        await admin.connect();
      } catch (error) {
        throw new ServiceUnavailableError('Kafka', (error as Error).message, { cause: error });
      }
      const producer = await connectProducer(kafka, config.kafka.brokers);
      try {
        const summary = await replayLake(
          { s3, bucket: config.s3.bucket, producer, admin, registry: createRegistry(config), registryUrl: config.schemaRegistry.url, logger },
          { topic: opts.topic, fromMs: opts.from, toMs: opts.to, targetTopic: opts.targetTopic, prefix: opts.prefix, partitioning: opts.partitioning },
        );
        process.stdout.write(`${formatReplaySummary(summary)}\n`);
      } finally {
        await producer.disconnect();
        await admin.disconnect();
        s3.destroy();
      }
    });
}
