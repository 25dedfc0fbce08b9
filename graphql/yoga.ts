/**
 * The Yoga instance: the schema, per-request context (fresh batch loaders),
 * limits, argument errors, metrics, GraphiQL, CORS and error masking (an
 * unexpected error reaches the client as "Unexpected error." and the log
 * with its stack; coded errors pass through).
 */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../lib/config.ts';
import type { Logger } from '../lib/logger.ts';
import type { AnomalyFeed } from './anomaly-feed.ts';
import { useArgumentErrors } from './argument-errors.ts';
import type { GatewayContext, GatewaySettings, Stores } from './context.ts';
import { limitPlugins } from './limits.ts';
import { createLoaders } from './loaders.ts';
import type { GatewayMetrics } from './metrics.ts';
import { schema } from './schema/index.ts';

/** What the HTTP router hands to each request: who is calling. */
export interface ServerContext {
  principal: string;
}

export type GatewayYoga = YogaServerInstance<ServerContext, GatewayContext>;

const DEFAULT_QUERY = `# Clickstream Guardian — try a query (the Docs tab describes every field).
query Overview {
  dataClock { time date }
  summary { from to totalClicks totalPurchases totalRevenue conversionRate }
  anomalies(first: 5) { nodes { sessionId type windowStart clickCount uniqueItems } }
}
`;

export interface YogaDeps {
  config: Config;
  stores: Stores;
  settings: GatewaySettings;
  feed: AnomalyFeed | undefined;
  metrics: GatewayMetrics;
  logger: Logger;
}

export function createGatewayYoga(deps: YogaDeps): GatewayYoga {
  const { config, logger } = deps;
  const origins = config.gateway.corsOrigins;
  return createYoga<ServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    batching: false,
    graphiql: config.gateway.graphiql ? { title: 'Clickstream Guardian — GraphQL', subscriptionsProtocol: 'SSE', defaultQuery: DEFAULT_QUERY } : false,
    cors:
      origins.length === 0
        ? false
        : { origin: origins.includes('*') ? '*' : origins, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'authorization', 'x-api-key'], credentials: false },
    logging: {
      debug: (...args: unknown[]) => logger.debug({ args }, 'yoga'),
      info: (...args: unknown[]) => logger.info({ args }, 'yoga'),
      warn: (...args: unknown[]) => logger.warn({ args }, 'yoga'),
      error: (...args: unknown[]) => logger.error({ err: args.find((a) => a instanceof Error), args: args.filter((a) => !(a instanceof Error)) }, 'unexpected error in a resolver'),
    },
    context: ({ principal }) => ({
      stores: deps.stores,
      loaders: createLoaders(deps.stores),
      settings: deps.settings,
      feed: deps.feed,
      principal,
    }),
    plugins: [...limitPlugins(config.gateway.limits), useArgumentErrors(), deps.metrics.plugin()],
  });
}
