/** Confluent-compatible schema registry client (Apicurio's ccompat API locally). */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Config } from '../config.ts';

export function createRegistry(config: Config): SchemaRegistry {
  return new SchemaRegistry({ host: config.schemaRegistry.url });
}
