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
  gateway: { port: number };
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
    gateway: { port: e.GATEWAY_PORT },
  };
}

/** The environment variables the configuration reads (used by docs and the compose-file test). */
export const CONFIG_VARIABLES = Object.keys(schema.shape);
