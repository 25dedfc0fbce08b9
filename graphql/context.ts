/**
 * What every resolver gets: the data stores (shared by all requests), the
 * request's own batch loaders, and the settings the schema needs.
 */
import type { AnomalyFeed } from './anomaly-feed.ts';
import type { AnomalyStore } from './data/anomaly-store.ts';
import type { HealthProbes } from './data/health.ts';
import type { ItemStore } from './data/item-store.ts';
import type { ConsumerGroupSpec, KafkaStore } from './data/kafka-store.ts';
import type { MetricsStore } from './data/metrics-store.ts';
import type { SessionStore } from './data/session-store.ts';
import type { WarehouseStore } from './data/warehouse-store.ts';
import type { Loaders } from './loaders.ts';

export interface Stores {
  anomalies: AnomalyStore;
  metrics: MetricsStore;
  items: ItemStore;
  sessions: SessionStore;
  warehouse: WarehouseStore;
  kafka: KafkaStore;
  health: HealthProbes;
}

export interface GatewaySettings {
  /** Consumer groups whose lag the pipeline status shows (ClickHouse's own are found in its Kafka tables). */
  consumerGroups: ConsumerGroupSpec[];
  deadLetterTopic: string;
  version: string;
  startedAt: number;
}

export interface GatewayContext {
  stores: Stores;
  loaders: Loaders;
  settings: GatewaySettings;
  /** Undefined when the gateway runs without the live feed. */
  feed: AnomalyFeed | undefined;
  /** Who is calling: `anonymous` when auth is off, else the key's fingerprint or the JWT subject. */
  principal: string;
}
