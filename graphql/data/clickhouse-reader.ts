/**
 * The gateway's only way to read ClickHouse: `{name:Type}` parameters,
 * JSONEachRow with 64-bit integers as JSON numbers (every count and id here
 * stays far below 2^53), answers shared through the query cache, and any
 * failure turned into a SERVICE_UNAVAILABLE GraphQL error naming ClickHouse.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../lib/logger.ts';
import { unavailable } from '../errors.ts';
import type { QueryCache } from './query-cache.ts';

export interface ClickHouseReader {
  /** Rows of a SELECT; `cached: false` skips the answer cache (identical reads in flight are still shared). */
  rows<T>(query: string, params?: Record<string, unknown>, options?: { cached?: boolean }): Promise<T[]>;
}

/** `onQuery` is called for every query actually sent (metrics; tests count batching with it). */
export function createClickHouseReader(
  client: ClickHouseClient,
  cache: QueryCache,
  noCache: QueryCache,
  logger: Logger,
  onQuery: () => void = () => undefined,
): ClickHouseReader {
  const run = async <T>(query: string, params: Record<string, unknown> | undefined): Promise<T[]> => {
    onQuery();
    try {
      const result = await client.query({
        query,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0, output_format_json_quote_decimals: 0 },
      });
      return await result.json<T>();
    } catch (error) {
      logger.warn({ err: error, query: query.trim().split('\n')[0] }, 'ClickHouse query failed');
      throw unavailable('ClickHouse', error);
    }
  };
  return {
    rows<T>(query: string, params?: Record<string, unknown>, options: { cached?: boolean } = {}): Promise<T[]> {
      const key = `${query}\u0000${JSON.stringify(params ?? {})}`;
      return (options.cached === false ? noCache : cache).get(key, () => run<T>(query, params));
    },
  };
}
