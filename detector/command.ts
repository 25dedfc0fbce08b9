/**
 * `guardian detect`: the real-time anomaly detector (SPEC §3). Runs until
 * SIGINT/SIGTERM, then writes its last micro-batch and leaves the group.
 * Thresholds, window sizes, the watermark delay and the cadences come from
 * the configuration (DETECTOR_*, lib/config.ts); the options below name what
 * a deployment or a test points elsewhere.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createKafka } from '../lib/clients/kafka.ts';
import { createPostgresPool } from '../lib/clients/postgres.ts';
import { createRegistry } from '../lib/clients/registry.ts';
import { stopSignal } from '../lib/cli-args.ts';
import { loadConfig, type Config } from '../lib/config.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { TOPICS } from '../lib/topics.ts';
import { startDetector, type DetectorDeps, type DetectorOptions } from './detector.ts';

const identifier = (name: string) => (value: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new InvalidArgumentError(`${name}: expected an SQL identifier, got "${value}"`);
  return value;
};
const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--metrics-port: expected a port number, got "${value}"`);
  return n;
};

/** The detector's options from the configuration, with command-line overrides. */
export function detectorOptionsFrom(config: Config, overrides: Partial<DetectorOptions> = {}): DetectorOptions {
  const d = config.detector;
  return {
    inputTopic: TOPICS.clicks,
    outputTopic: TOPICS.anomalies,
    groupId: d.groupId,
    pgSchema: d.pgSchema,
    batchIntervalMs: d.batchIntervalMs,
    checkpointIntervalMs: d.checkpointIntervalMs,
    logIntervalMs: d.logIntervalMs,
    sessionTimeoutMs: d.sessionTimeoutMs,
    metricsPort: d.metricsPort,
    rules: { ...d.rules },
    ...overrides,
  };
}

/** Clients for a detector; `close()` releases them after the detector stopped. */
export async function connectDetectorDeps(config: Config, logger: Logger, clientId = 'guardian-detector'): Promise<DetectorDeps & { close(): Promise<void> }> {
  const kafka = createKafka(config, clientId);
  // one connection is the outbox lease's for as long as this process publishes
  const pool = createPostgresPool(config, { max: 5 });
  // An idle connection that breaks (server restart) must not crash the process: the next query reconnects.
  pool.on('error', (error) => logger.debug({ error: error.message }, 'idle PostgreSQL connection lost'));
  return {
    kafka,
    registry: createRegistry(config),
    pool,
    logger,
    async close() {
      await pool.end().catch(() => undefined);
    },
  };
}

export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('detect HIGH_FREQUENCY and BOT_LIKE sessions in real time (event-time windows) into PostgreSQL and the anomaly topic; runs until SIGINT/SIGTERM')
    .option('--input-topic <name>', 'click topic to consume', TOPICS.clicks)
    .option('--output-topic <name>', 'topic for AnomalyEvents', TOPICS.anomalies)
    .option('--group-id <id>', 'consumer group, also the key of the stored window state (default: DETECTOR_GROUP_ID)')
    .option('--pg-schema <name>', 'PostgreSQL schema holding anomaly_sessions and the state tables (default: DETECTOR_PG_SCHEMA)', identifier('--pg-schema'))
    .option('--metrics-port <port>', 'serve Prometheus metrics at /metrics on this port (default: DETECTOR_METRICS_PORT; 0 = none)', port)
    .action(async (opts: { inputTopic: string; outputTopic: string; groupId?: string; pgSchema?: string; metricsPort?: number }) => {
      const config = loadConfig();
      const logger = createLogger('detector');
      const options = detectorOptionsFrom(config, {
        inputTopic: opts.inputTopic,
        outputTopic: opts.outputTopic,
        ...(opts.groupId !== undefined ? { groupId: opts.groupId } : {}),
        ...(opts.pgSchema !== undefined ? { pgSchema: opts.pgSchema } : {}),
        ...(opts.metricsPort !== undefined ? { metricsPort: opts.metricsPort === 0 ? undefined : opts.metricsPort } : {}),
      });
      const deps = await connectDetectorDeps(config, logger);
      try {
        const detector = await startDetector(deps, options);
        const stopped = new Promise<string>((resolve) => {
          stopSignal((signal) => {
            logger.warn({ signal }, 'stopping: writing the last micro-batch');
            resolve(signal);
          });
        });
        try {
          await Promise.race([stopped, detector.failed]);
        } finally {
          await detector.stop();
        }
      } finally {
        await deps.close();
      }
    });
}
