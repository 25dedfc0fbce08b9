/**
 * Dependency probes for `/health`, the `health` query and the
 * `guardian_gateway_dependency_up` gauge: ClickHouse (a SELECT in the
 * configured database), PostgreSQL (a SELECT), Kafka (cluster metadata) and
 * the schema registry (its subject list). Each probe has a deadline; probes
 * run together, and concurrent callers within `cacheMs` share one round.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Pool } from '../../lib/clients/postgres.ts';
import type { KafkaStore } from './kafka-store.ts';
import { createQueryCache } from './query-cache.ts';

export type DependencyName = 'clickhouse' | 'postgres' | 'kafka' | 'schema-registry';

export interface DependencyHealth {
  name: DependencyName;
  up: boolean;
  latencyMs: number;
  /** Why it is down; undefined when up. */
  error: string | undefined;
  /** Needed for queries (ClickHouse, PostgreSQL); Kafka and the registry only feed the live subscription and pipeline status. */
  critical: boolean;
}

export interface HealthReport {
  /** `ok`: all up; `degraded`: a non-critical dependency is down; `down`: a critical one is. */
  status: 'ok' | 'degraded' | 'down';
  checkedAt: number;
  dependencies: DependencyHealth[];
}

export interface HealthProbes {
  check(): Promise<HealthReport>;
}

export interface HealthDeps {
  clickhouse: ClickHouseClient;
  postgres: Pool;
  kafka: KafkaStore;
  registryUrl: string;
  timeoutMs?: number;
  cacheMs?: number;
  onReport?: (report: HealthReport) => void;
}

const withDeadline = <T>(work: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });

export function createHealthProbes(deps: HealthDeps): HealthProbes {
  const timeoutMs = deps.timeoutMs ?? 2000;
  const probes: { name: DependencyName; critical: boolean; run: () => Promise<unknown> }[] = [
    { name: 'clickhouse', critical: true, run: async () => (await deps.clickhouse.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json() },
    { name: 'postgres', critical: true, run: () => deps.postgres.query('SELECT 1') },
    { name: 'kafka', critical: false, run: () => deps.kafka.ping() },
    {
      name: 'schema-registry',
      critical: false,
      run: async () => {
        const response = await fetch(`${deps.registryUrl.replace(/\/$/, '')}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
        await response.body?.cancel();
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      },
    },
  ];
  const probe = async (p: (typeof probes)[number]): Promise<DependencyHealth> => {
    const started = performance.now();
    try {
      await withDeadline(p.run(), timeoutMs, p.name);
      return { name: p.name, up: true, latencyMs: performance.now() - started, error: undefined, critical: p.critical };
    } catch (error) {
      const message = (error as Error).message.split('\n')[0] ?? 'failed';
      return { name: p.name, up: false, latencyMs: performance.now() - started, error: message, critical: p.critical };
    }
  };
  const cache = createQueryCache({ ttlMs: deps.cacheMs ?? 1000 });
  return {
    check: () =>
      cache.get('health', async () => {
        const dependencies = await Promise.all(probes.map(probe));
        const status = dependencies.every((d) => d.up) ? 'ok' : dependencies.some((d) => d.critical && !d.up) ? 'down' : 'degraded';
        const report: HealthReport = { status, checkedAt: Date.now(), dependencies };
        deps.onReport?.(report);
        return report;
      }),
  };
}
