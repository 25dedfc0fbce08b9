/**
 * The one typed configuration of Clickstream Guardian.
 *
 * Every address and credential comes from an environment variable, is
 * validated once at start, and defaults to the local stack that
 * `guardian stack up` starts. Each option's default is documented here and
 * only here.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const url = z.string().url();
const hostPortList = z
  .string()
  .regex(/^[^,\s:]+:\d+(,[^,\s:]+:\d+)*$/, 'expected host:port[,host:port...]')
  .transform((value) => value.split(','));
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an SQL identifier');

const schema = z.object({
  /** Kafka bootstrap brokers. @default 127.0.0.1:9092 */
  KAFKA_BROKERS: hostPortList.prefault('127.0.0.1:9092'),
  /** Confluent-compatible schema registry. @default http://127.0.0.1:8081/apis/ccompat/v7 (Apicurio) */
  SCHEMA_REGISTRY_URL: url.default('http://127.0.0.1:8081/apis/ccompat/v7'),
  /** S3 endpoint, path-style. @default http://127.0.0.1:9000 (S3Proxy) */
  S3_ENDPOINT: url.default('http://127.0.0.1:9000'),
  /** S3 region. @default us-east-1 */
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** S3 access key. @default guardian (local stack only) */
  S3_ACCESS_KEY: z.string().min(1).default('guardian'),
  /** S3 secret key. @default guardian-local-only (local stack only; set a real one elsewhere) */
  S3_SECRET_KEY: z.string().min(1).default('guardian-local-only'),
  /** Data lake bucket. @default km-data-lake */
  S3_BUCKET: z.string().min(3).default('km-data-lake'),
  /** PostgreSQL connection string. @default postgres://postgres@127.0.0.1:5432/clickstream */
  DATABASE_URL: url.default('postgres://postgres@127.0.0.1:5432/clickstream'),
  /**
   * ClickHouse HTTP endpoint. When unset, the embedded chDB endpoint is started
   * on 127.0.0.1:8123 by `stack up`; when set, that server is used and nothing
   * embedded is started. @default http://127.0.0.1:8123 (embedded)
   */
  CLICKHOUSE_URL: url.optional(),
  /**
   * Whether `stack up` runs the embedded endpoint at CLICKHOUSE_URL: `auto`
   * means yes exactly when CLICKHOUSE_URL is unset. @default auto
   */
  CLICKHOUSE_EMBEDDED: z.enum(['auto', 'true', 'false']).default('auto'),
  /** ClickHouse user. @default default */
  CLICKHOUSE_USER: z.string().default('default'),
  /** ClickHouse password. @default empty */
  CLICKHOUSE_PASSWORD: z.string().default(''),
  /** ClickHouse database holding every table. @default clickstream */
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('clickstream'),
  /** Brokers as ClickHouse's Kafka engine reaches them. @default KAFKA_BROKERS */
  CLICKHOUSE_KAFKA_BROKERS: hostPortList.optional(),
  /** Registry as ClickHouse's AvroConfluent format reaches it. @default SCHEMA_REGISTRY_URL */
  CLICKHOUSE_SCHEMA_REGISTRY_URL: url.optional(),
  /** Where the local stack keeps data, logs and pid files. @default <project>/.stack */
  STACK_DIR: z.string().default(path.join(PROJECT_ROOT, '.stack')),
  /** Where downloads (jars, archives) are cached. @default <project>/.cache */
  CACHE_DIR: z.string().default(path.join(PROJECT_ROOT, '.cache')),
  /** pino log level. @default info */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Port of the GraphQL gateway. @default 4000 */
  GATEWAY_PORT: positiveInt.default(4000),

  // --- GraphQL gateway (`guardian serve`, graphql/) ---
  /** Address the gateway listens on (0.0.0.0 in a container). @default 127.0.0.1 */
  GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * Who may call `/graphql` and `/metrics` (`/health`, the dashboard and the
   * GraphiQL page stay open): `none`, `api-key` (header `x-api-key` or
   * `Authorization: Bearer <key>`, one of GATEWAY_API_KEYS) or `jwt`
   * (`Authorization: Bearer <JWT>` signed with GATEWAY_JWT_SECRET). @default none
   */
  GATEWAY_AUTH: z.enum(['none', 'api-key', 'jwt']).default('none'),
  /** Accepted API keys, comma-separated (each at least 16 characters); required when GATEWAY_AUTH=api-key. @default empty */
  GATEWAY_API_KEYS: z.string().default(''),
  /** HMAC secret (HS256/HS384/HS512, at least 32 characters) of the JWTs; required when GATEWAY_AUTH=jwt. @default empty */
  GATEWAY_JWT_SECRET: z.string().default(''),
  /** Required `iss` claim of the JWTs; empty = not checked. @default empty */
  GATEWAY_JWT_ISSUER: z.string().default(''),
  /** Required `aud` claim of the JWTs; empty = not checked. @default empty */
  GATEWAY_JWT_AUDIENCE: z.string().default(''),
  /** Deepest field nesting an operation may have (introspection excluded). @default 8 */
  GATEWAY_MAX_DEPTH: positiveInt.default(8),
  /**
   * Highest estimated cost of an operation: the fields it may resolve, each
   * list multiplying the fields below it by its length (graphql/cost.ts). @default 20000
   */
  GATEWAY_MAX_COST: positiveInt.default(20_000),
  /** Most aliases in one operation. @default 15 */
  GATEWAY_MAX_ALIASES: positiveInt.default(15),
  /** Most tokens in one operation document. @default 2000 */
  GATEWAY_MAX_TOKENS: positiveInt.default(2000),
  /** Origins allowed by CORS, comma-separated, or `*`; empty = same origin only (the dashboard is served by the gateway). @default empty */
  GATEWAY_CORS_ORIGINS: z.string().default(''),
  /**
   * How long a ClickHouse answer is reused, ms (identical concurrent reads
   * always share one query); 0 = no reuse. The served tables change when a
   * rollup runs or events arrive, so a few seconds is invisible. @default 2000
   */
  GATEWAY_CACHE_TTL_MS: nonNegativeInt.default(2000),
  /** Whether GET /graphql in a browser opens GraphiQL. @default true */
  GATEWAY_GRAPHIQL: z.enum(['true', 'false']).default('true'),

  // --- anomaly detector (`guardian detect`, SPEC §3; rule values must match detector/rules.ts DEFAULT_DETECTOR_SETTINGS) ---
  /** Consumer group of the detector; also keys its checkpoints in PostgreSQL. @default detector */
  DETECTOR_GROUP_ID: z.string().min(1).default('detector'),
  /** Micro-batch cadence: rows are written (and published) and offsets checkpointed every this many ms. @default 5000 */
  DETECTOR_BATCH_INTERVAL_MS: positiveInt.default(5000),
  /**
   * Least time between two checkpoints (window state + offsets) of a partition, ms; checkpoints are also
   * spaced by at least 10× the time the previous one took to snapshot and encode, so a huge state costs
   * at most ~10 % of the time. @default 5000
   */
  DETECTOR_CHECKPOINT_INTERVAL_MS: nonNegativeInt.default(5000),
  /** Watermark = largest event time seen in the partition − this, ms. @default 10000 */
  DETECTOR_WATERMARK_DELAY_MS: nonNegativeInt.default(10_000),
  /** HIGH_FREQUENCY tumbling window length, ms. @default 10000 */
  DETECTOR_HIGH_FREQUENCY_WINDOW_MS: positiveInt.default(10_000),
  /** HIGH_FREQUENCY fires at this many clicks in one window. @default 50 */
  DETECTOR_HIGH_FREQUENCY_MIN_CLICKS: positiveInt.default(50),
  /** BOT_LIKE window length, ms. @default 60000 */
  DETECTOR_BOT_LIKE_WINDOW_MS: positiveInt.default(60_000),
  /** BOT_LIKE distance between window starts, ms. @default 30000 */
  DETECTOR_BOT_LIKE_SLIDE_MS: positiveInt.default(30_000),
  /** BOT_LIKE needs at least this many clicks in one window... @default 100 */
  DETECTOR_BOT_LIKE_MIN_CLICKS: positiveInt.default(100),
  /** ...and at most this many distinct items. @default 5 */
  DETECTOR_BOT_LIKE_MAX_UNIQUE_ITEMS: nonNegativeInt.default(5),
  /** PostgreSQL schema holding anomaly_sessions and the detector's state tables. @default public */
  DETECTOR_PG_SCHEMA: identifier.default('public'),
  /** Interval of the detector's progress line (events/s, late events, open windows, lag), ms. @default 10000 */
  DETECTOR_LOG_INTERVAL_MS: positiveInt.default(10_000),
  /** How soon the consumer group notices a dead detector process, ms (broker minimum 6000). @default 30000 */
  DETECTOR_SESSION_TIMEOUT_MS: positiveInt.default(30_000),
  /** Port of the Prometheus `/metrics` endpoint; 0 = none. @default 0 */
  DETECTOR_METRICS_PORT: nonNegativeInt.default(0),
  /** Rollup: attempts per step, the first included. @default 3 */
  ROLLUP_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  /** Rollup: seconds between two attempts of a step. @default 300 (5 minutes) */
  ROLLUP_RETRY_DELAY_SECONDS: z.coerce.number().min(0).default(300),
  /** When `rollup --schedule` fires: a cron expression (5 fields, or 6 with seconds). @default 0 3 * * * */
  ROLLUP_CRON: z.string().min(1).default('0 3 * * *'),
  /** Time zone of ROLLUP_CRON (IANA name). @default Asia/Seoul */
  ROLLUP_TIMEZONE: z.string().min(1).default('Asia/Seoul'),
});

export interface Config {
  kafka: { brokers: string[] };
  schemaRegistry: { url: string };
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; bucket: string };
  postgres: { url: string };
  clickhouse: {
    url: string;
    embedded: boolean;
    username: string;
    password: string;
    database: string;
    kafkaBrokers: string[];
    schemaRegistryUrl: string;
  };
  stackDir: string;
  cacheDir: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  gateway: {
    port: number;
    host: string;
    auth:
      | { mode: 'none' }
      | { mode: 'api-key'; apiKeys: string[] }
      | { mode: 'jwt'; secret: string; issuer: string | undefined; audience: string | undefined };
    limits: { maxDepth: number; maxCost: number; maxAliases: number; maxTokens: number };
    /** Empty: same origin only. */
    corsOrigins: string[];
    cacheTtlMs: number;
    graphiql: boolean;
  };
  detector: {
    groupId: string;
    batchIntervalMs: number;
    checkpointIntervalMs: number;
    pgSchema: string;
    logIntervalMs: number;
    sessionTimeoutMs: number;
    /** undefined: no metrics endpoint. */
    metricsPort: number | undefined;
    /** The rule table's parameters (the shape of detector/rules.ts DetectorSettings). */
    rules: {
      highFrequencyWindowMs: number;
      highFrequencyMinClicks: number;
      botLikeWindowMs: number;
      botLikeSlideMs: number;
      botLikeMinClicks: number;
      botLikeMaxUniqueItems: number;
      watermarkDelayMs: number;
    };
  };
  rollup: { attempts: number; retryDelayMs: number; cron: string; timezone: string };
}

const list = (value: string): string[] => value.split(',').map((part) => part.trim()).filter((part) => part.length > 0);

/** The gateway's auth mode with what it needs; a mode without its secret is a ConfigError naming the variable. */
function gatewayAuth(e: z.infer<typeof schema>): Config['gateway']['auth'] {
  if (e.GATEWAY_AUTH === 'api-key') {
    const apiKeys = list(e.GATEWAY_API_KEYS);
    if (apiKeys.length === 0) throw new ConfigError('invalid configuration: GATEWAY_API_KEYS: GATEWAY_AUTH=api-key needs at least one key');
    if (apiKeys.some((key) => key.length < 16)) throw new ConfigError('invalid configuration: GATEWAY_API_KEYS: every key needs at least 16 characters');
    return { mode: 'api-key', apiKeys };
  }
  if (e.GATEWAY_AUTH === 'jwt') {
    if (e.GATEWAY_JWT_SECRET.length < 32) throw new ConfigError('invalid configuration: GATEWAY_JWT_SECRET: GATEWAY_AUTH=jwt needs a secret of at least 32 characters');
    return { mode: 'jwt', secret: e.GATEWAY_JWT_SECRET, issuer: e.GATEWAY_JWT_ISSUER || undefined, audience: e.GATEWAY_JWT_AUDIENCE || undefined };
  }
  return { mode: 'none' };
}

/** Reads and validates the configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    kafka: { brokers: e.KAFKA_BROKERS },
    schemaRegistry: { url: e.SCHEMA_REGISTRY_URL },
    s3: {
      endpoint: e.S3_ENDPOINT,
      region: e.S3_REGION,
      accessKeyId: e.S3_ACCESS_KEY,
      secretAccessKey: e.S3_SECRET_KEY,
      bucket: e.S3_BUCKET,
    },
    postgres: { url: e.DATABASE_URL },
    clickhouse: {
      url: e.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123',
      embedded: e.CLICKHOUSE_EMBEDDED === 'auto' ? e.CLICKHOUSE_URL === undefined : e.CLICKHOUSE_EMBEDDED === 'true',
      username: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      kafkaBrokers: e.CLICKHOUSE_KAFKA_BROKERS ?? e.KAFKA_BROKERS,
      schemaRegistryUrl: e.CLICKHOUSE_SCHEMA_REGISTRY_URL ?? e.SCHEMA_REGISTRY_URL,
    },
    stackDir: e.STACK_DIR,
    cacheDir: e.CACHE_DIR,
    logLevel: e.LOG_LEVEL,
    gateway: {
      port: e.GATEWAY_PORT,
      host: e.GATEWAY_HOST,
      auth: gatewayAuth(e),
      limits: { maxDepth: e.GATEWAY_MAX_DEPTH, maxCost: e.GATEWAY_MAX_COST, maxAliases: e.GATEWAY_MAX_ALIASES, maxTokens: e.GATEWAY_MAX_TOKENS },
      corsOrigins: list(e.GATEWAY_CORS_ORIGINS),
      cacheTtlMs: e.GATEWAY_CACHE_TTL_MS,
      graphiql: e.GATEWAY_GRAPHIQL === 'true',
    },
    detector: {
      groupId: e.DETECTOR_GROUP_ID,
      batchIntervalMs: e.DETECTOR_BATCH_INTERVAL_MS,
      checkpointIntervalMs: e.DETECTOR_CHECKPOINT_INTERVAL_MS,
      pgSchema: e.DETECTOR_PG_SCHEMA,
      logIntervalMs: e.DETECTOR_LOG_INTERVAL_MS,
      sessionTimeoutMs: e.DETECTOR_SESSION_TIMEOUT_MS,
      metricsPort: e.DETECTOR_METRICS_PORT === 0 ? undefined : e.DETECTOR_METRICS_PORT,
      rules: {
        highFrequencyWindowMs: e.DETECTOR_HIGH_FREQUENCY_WINDOW_MS,
        highFrequencyMinClicks: e.DETECTOR_HIGH_FREQUENCY_MIN_CLICKS,
        botLikeWindowMs: e.DETECTOR_BOT_LIKE_WINDOW_MS,
        botLikeSlideMs: e.DETECTOR_BOT_LIKE_SLIDE_MS,
        botLikeMinClicks: e.DETECTOR_BOT_LIKE_MIN_CLICKS,
        botLikeMaxUniqueItems: e.DETECTOR_BOT_LIKE_MAX_UNIQUE_ITEMS,
        watermarkDelayMs: e.DETECTOR_WATERMARK_DELAY_MS,
      },
    },
    rollup: {
      attempts: e.ROLLUP_ATTEMPTS,
      retryDelayMs: e.ROLLUP_RETRY_DELAY_SECONDS * 1000,
      cron: e.ROLLUP_CRON,
      timezone: e.ROLLUP_TIMEZONE,
    },
  };
}

/** The environment variables the configuration reads (used by docs and the compose-file test). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);
