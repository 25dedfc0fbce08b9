/** The ClickHouse client: always `@clickhouse/client` over HTTP, embedded endpoint or real server alike. */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config.ts';

export function createClickHouse(config: Config, options: { database?: string } = {}): ClickHouseClient {
  return createClient({
    url: config.clickhouse.url,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    database: options.database ?? config.clickhouse.database,
    request_timeout: 300_000,
    // Failures reach the caller as thrown ClickHouseErrors; the client's own log would print each twice.
    log: { level: ClickHouseLogLevel.OFF },
  });
}
