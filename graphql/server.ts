/**
 * The gateway: builds its clients and stores from the configuration, starts
 * the live anomaly feed, and serves HTTP (http/router.ts). `close()` stops
 * accepting, ends open streams and closes every client it opened.
 *
 *   const gateway = await startGateway({ config });        // listens on GATEWAY_HOST:GATEWAY_PORT
 *   const gateway = await startGateway({ config, port: 0 }); // a free port (tests)
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createClickHouse } from '../lib/clients/clickhouse.ts';
import { createKafka } from '../lib/clients/kafka.ts';
import { createPostgresPool } from '../lib/clients/postgres.ts';
import { createRegistry } from '../lib/clients/registry.ts';
import { PROJECT_ROOT, type Config } from '../lib/config.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { TOPICS } from '../lib/topics.ts';
import { detectorTables } from '../detector/tables.ts';
import { DEFAULT_SINK_SETTINGS } from '../ingest/lake/sink-settings.ts';
import { startAnomalyFeed, type AnomalyFeed } from './anomaly-feed.ts';
import type { GatewaySettings, Stores } from './context.ts';
import { createAnomalyStore } from './data/anomaly-store.ts';
import { createClickHouseReader } from './data/clickhouse-reader.ts';
import { createHealthProbes, type HealthReport } from './data/health.ts';
import { createItemStore } from './data/item-store.ts';
import { createKafkaStore, type ConsumerGroupSpec } from './data/kafka-store.ts';
import { createMetricsStore } from './data/metrics-store.ts';
import { createQueryCache } from './data/query-cache.ts';
import { createSessionStore } from './data/session-store.ts';
import { createWarehouseStore } from './data/warehouse-store.ts';
import { createAuthenticator } from './http/auth.ts';
import { createRouter } from './http/router.ts';
import { createStaticHandler } from './http/static-files.ts';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { createGatewayYoga } from './yoga.ts';

export interface GatewayOptions {
  config: Config;
  /** @default config.gateway.port (0 = any free port) */
  port?: number;
  /** @default config.gateway.host */
  host?: string;
  /** Run the live anomaly feed (Kafka consumer) for the subscription. @default true */
  live?: boolean;
  /** Topic the live feed reads. @default km.anomalies.v1 */
  anomaliesTopic?: string;
  /** Topic whose size the pipeline status reports as dead letters. @default km.events.dlq.v1 */
  deadLetterTopic?: string;
  /** Consumer groups of the pipeline status (besides ClickHouse's, read from its tables). @default the detector's and the lake sink's */
  consumerGroups?: ConsumerGroupSpec[];
  /** The built dashboard. @default <project>/web/dist */
  staticDir?: string;
  logger?: Logger;
}

export interface Gateway {
  /** `http://host:port` it listens on. */
  url: string;
  port: number;
  metrics: GatewayMetrics;
  /** Undefined without the live feed. */
  feed: AnomalyFeed | undefined;
  /** Probes every dependency (what /health reports). */
  health(): Promise<HealthReport>;
  close(): Promise<void>;
}

/** The pipeline's consumer groups as the other components name them by default. */
export function defaultConsumerGroups(config: Config): ConsumerGroupSpec[] {
  const lakeTopics = [TOPICS.clicks, TOPICS.purchases];
  return [
    { component: 'detector', groupId: config.detector.groupId, topics: [TOPICS.clicks] },
    ...lakeTopics.map((topic) => ({ component: 'lake-sink', groupId: `${DEFAULT_SINK_SETTINGS.groupPrefix}${topic}`, topics: [topic] })),
  ];
}

const packageVersion = (): string => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
};

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger('gateway');
  const metrics = createGatewayMetrics();

  const clickhouse = createClickHouse(config);
  const postgres = createPostgresPool(config, { max: 10 });
  postgres.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
  const kafka = createKafka(config, 'guardian-gateway', { retries: 2 });
  const registry = createRegistry(config);

  const cache = createQueryCache({ ttlMs: config.gateway.cacheTtlMs });
  const shareOnly = createQueryCache({ ttlMs: 0 });
  const reader = createClickHouseReader(clickhouse, cache, shareOnly, logger, () => metrics.countQuery('clickhouse'));
  const kafkaStore = createKafkaStore(kafka, logger);
  const stores: Stores = {
    anomalies: createAnomalyStore(postgres, detectorTables(config.detector.pgSchema).anomalies, logger, () => metrics.countQuery('postgres'), createQueryCache({ ttlMs: 0 })),
    metrics: createMetricsStore(reader),
    items: createItemStore(reader),
    sessions: createSessionStore(reader),
    warehouse: createWarehouseStore(reader),
    kafka: kafkaStore,
    health: createHealthProbes({ clickhouse, postgres, kafka: kafkaStore, registryUrl: config.schemaRegistry.url, onReport: (r) => metrics.observeHealth(r) }),
  };
  const settings: GatewaySettings = {
    consumerGroups: options.consumerGroups ?? defaultConsumerGroups(config),
    deadLetterTopic: options.deadLetterTopic ?? TOPICS.deadLetters,
    version: packageVersion(),
    startedAt: Date.now(),
  };

  const feed =
    options.live === false
      ? undefined
      : startAnomalyFeed({
          kafka,
          registry,
          topic: options.anomaliesTopic ?? TOPICS.anomalies,
          logger,
          onAnomaly: (a) => metrics.countLiveAnomaly(a.type),
        });
  if (feed) metrics.setSubscriptions(() => feed.subscribers());

  const yoga = createGatewayYoga({ config, stores, settings, feed, metrics, logger });
  const server = http.createServer(
    createRouter({
      yoga,
      authenticate: createAuthenticator(config.gateway.auth),
      health: stores.health,
      metrics,
      staticFiles: createStaticHandler(options.staticDir ?? path.join(PROJECT_ROOT, 'web/dist')),
      graphiql: config.gateway.graphiql,
      logger,
    }),
  );
  server.keepAliveTimeout = 65_000;

  const closeClients = async () => {
    await feed?.stop();
    await Promise.allSettled([kafkaStore.close(), clickhouse.close(), postgres.end()]);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.gateway.port, options.host ?? config.gateway.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await closeClients();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  logger.info({ url, auth: config.gateway.auth.mode, live: feed !== undefined, clickhouseDatabase: config.clickhouse.database, postgresSchema: config.detector.pgSchema }, 'gateway listening');

  return {
    url,
    port: address.port,
    metrics,
    feed,
    health: () => stores.health.check(),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await yoga.dispose();
      await closeClients();
    },
  };
}
