import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, PROJECT_ROOT } from '../../lib/config.ts';

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number>;
}

const compose = parse(fs.readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const appServices = Object.entries(services).filter(([, s]) => s.build !== undefined);

describe('docker-compose.yml', () => {
  it('has three KRaft Kafka brokers with distinct node ids', () => {
    const brokers = Object.entries(services).filter(([, s]) => s.image?.startsWith('apache/kafka'));
    expect(brokers).toHaveLength(3);
    expect(new Set(brokers.map(([, s]) => s.environment?.KAFKA_NODE_ID)).size).toBe(3);
    for (const [, broker] of brokers) expect(broker.environment?.KAFKA_PROCESS_ROLES).toContain('controller');
  });

  it('has every backing service the configuration needs, from official images', () => {
    const images = Object.values(services).map((s) => s.image ?? '');
    expect(images.some((i) => i.startsWith('confluentinc/cp-schema-registry'))).toBe(true);
    expect(images.some((i) => i.startsWith('clickhouse/clickhouse-server'))).toBe(true);
    expect(images.some((i) => i.startsWith('postgres:'))).toBe(true);
    expect(images.some((i) => i.startsWith('minio/minio'))).toBe(true);
  });

  it('gives every app service every configuration variable, under the same names', () => {
    const localOnly = new Set(['STACK_DIR', 'CACHE_DIR']);
    expect(appServices.length).toBeGreaterThan(0);
    for (const [name, service] of appServices) {
      const missing = CONFIG_VARIABLES.filter((v) => !localOnly.has(v) && !(v in (service.environment ?? {})));
      expect(missing, `service ${name}`).toEqual([]);
    }
  });

  it('points every address in the app environment at a service of the file', () => {
    const env = appServices[0]![1].environment!;
    const hosts = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'S3_ENDPOINT', 'DATABASE_URL', 'CLICKHOUSE_URL', 'CLICKHOUSE_KAFKA_BROKERS', 'CLICKHOUSE_SCHEMA_REGISTRY_URL'].flatMap(
      (v) => String(env[v]).replace(/\$\{[^}]*\}/g, 'secret').split(',').map((address) => new URL(address.includes('://') ? address : `tcp://${address}`).hostname),
    );
    for (const host of hosts) expect(Object.keys(services)).toContain(host);
  });
});
