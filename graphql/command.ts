/**
 * `guardian serve`: the GraphQL gateway, until SIGINT/SIGTERM.
 *
 *   guardian serve                                   GATEWAY_HOST:GATEWAY_PORT (127.0.0.1:4000)
 *   guardian serve --port 4100 --no-live             no Kafka consumer (no subscription)
 *   guardian serve --database sandbox_x              another ClickHouse database
 */
import { Option, type Command } from 'commander';
import { positiveInteger, stopSignal } from '../lib/cli-args.ts';
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { TOPICS } from '../lib/topics.ts';
import { startGateway } from './server.ts';

interface ServeOptions {
  port?: number;
  host?: string;
  live: boolean;
  anomaliesTopic: string;
  deadLetterTopic: string;
  database?: string;
  staticDir?: string;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the GraphQL gateway: /graphql (API, GraphiQL, SSE subscriptions), /health, /metrics and the dashboard at /')
    .option('--port <n>', 'port (default: $GATEWAY_PORT, else 4000)', positiveInteger('--port'))
    .option('--host <address>', 'address to listen on (default: $GATEWAY_HOST, else 127.0.0.1)')
    .option('--no-live', 'no Kafka consumer: the anomalyDetected subscription answers SERVICE_UNAVAILABLE')
    .option('--anomalies-topic <name>', 'topic the live subscription reads', TOPICS.anomalies)
    .option('--dead-letter-topic <name>', 'topic the pipeline status counts as dead letters', TOPICS.deadLetters)
    .option('--database <name>', 'ClickHouse database (default: $CLICKHOUSE_DATABASE)')
    .addOption(new Option('--static-dir <path>', 'the built dashboard to serve at / (default: web/dist)'))
    .addHelpText('after', '\nAuth, limits, CORS and caching come from GATEWAY_* variables (lib/config.ts); anomalies are read from the schema DETECTOR_PG_SCHEMA.')
    .action(async (options: ServeOptions) => {
      const logger = createLogger('gateway');
      const base = loadConfig();
      const config = options.database ? loadConfig({ ...process.env, CLICKHOUSE_DATABASE: options.database }) : base;
      const signal = stopSignal((sig) => logger.info({ signal: sig }, 'stopping'));
      const gateway = await startGateway({
        config,
        port: options.port,
        host: options.host,
        live: options.live,
        anomaliesTopic: options.anomaliesTopic,
        deadLetterTopic: options.deadLetterTopic,
        staticDir: options.staticDir,
        logger,
      });
      process.stdout.write(`gateway listening on ${gateway.url}  (GraphiQL ${gateway.url}/graphql, ${gateway.url}/health, ${gateway.url}/metrics)\n`);
      const report = await gateway.health();
      for (const d of report.dependencies.filter((dep) => !dep.up)) {
        logger.warn({ dependency: d.name, error: d.error }, `${d.name} is not reachable${d.critical ? ' (queries that need it fail)' : ''}; start the local stack with \`npm run stack -- up\``);
      }
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      await gateway.close();
    });
}
