import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';

describe('configuration', () => {
  it('defaults to the local stack', () => {
    const config = loadConfig({});
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.schemaRegistry.url).toBe('http://127.0.0.1:8081/apis/ccompat/v7');
    expect(config.s3.endpoint).toBe('http://127.0.0.1:9000');
    expect(config.s3.bucket).toBe('km-data-lake');
    expect(config.postgres.url).toBe('postgres://postgres@127.0.0.1:5432/clickstream');
    expect(config.clickhouse).toMatchObject({ url: 'http://127.0.0.1:8123', embedded: true, database: 'clickstream' });
  });

  it('uses an external ClickHouse, and starts no embedded one, when CLICKHOUSE_URL is set', () => {
    const config = loadConfig({ CLICKHOUSE_URL: 'http://ch.example:8123' });
    expect(config.clickhouse.url).toBe('http://ch.example:8123');
    expect(config.clickhouse.embedded).toBe(false);
  });

  it('can run the embedded endpoint on another address', () => {
    const config = loadConfig({ CLICKHOUSE_URL: 'http://127.0.0.1:28123', CLICKHOUSE_EMBEDDED: 'true' });
    expect(config.clickhouse).toMatchObject({ url: 'http://127.0.0.1:28123', embedded: true });
  });

  it('splits a broker list and lets ClickHouse reach Kafka under other names', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'a:9092,b:9093', CLICKHOUSE_KAFKA_BROKERS: 'kafka-1:9092' });
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.clickhouse.kafkaBrokers).toEqual(['kafka-1:9092']);
  });

  it('names every invalid variable in one error', () => {
    const attempt = () => loadConfig({ KAFKA_BROKERS: 'no-port', S3_ENDPOINT: 'not a url', GATEWAY_PORT: '-1' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/KAFKA_BROKERS/);
    expect(attempt).toThrow(/S3_ENDPOINT/);
    expect(attempt).toThrow(/GATEWAY_PORT/);
  });

  it('refuses a database name that is not an identifier (it is written into DDL)', () => {
    expect(() => loadConfig({ CLICKHOUSE_DATABASE: 'x; DROP TABLE y' })).toThrow(/CLICKHOUSE_DATABASE/);
  });
});
