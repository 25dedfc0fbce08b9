/**
 * Prometheus metrics of the gateway (prom-client, a registry per gateway so
 * that several can run in one process), served at GET /metrics:
 *
 *   guardian_gateway_http_requests_total{route,method,status}
 *   guardian_gateway_http_request_duration_seconds{route}            histogram
 *   guardian_gateway_graphql_operations_total{type,field}            first root field
 *   guardian_gateway_graphql_operation_duration_seconds{type,field}  histogram
 *   guardian_gateway_graphql_errors_total{code}
 *   guardian_gateway_dependency_up{dependency}                       1 up, 0 down (last probe)
 *   guardian_gateway_dependency_latency_seconds{dependency}          last probe
 *   guardian_gateway_dependency_queries_total{dependency}            queries actually sent (after batching and cache)
 *   guardian_gateway_live_anomalies_total{type}                      anomalies read from Kafka
 *   guardian_gateway_subscriptions_active
 * plus prom-client's process metrics (guardian_gateway_process_*, nodejs_*).
 *
 * Label values are bounded: routes are a fixed set, fields come from the
 * schema, codes from errors.ts (and GraphQL's own few).
 */
import { Kind, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthReport } from './data/health.ts';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface GatewayMetrics {
  registry: Registry;
  observeHttp(route: string, method: string, status: number, seconds: number): void;
  observeHealth(report: HealthReport): void;
  countQuery(dependency: 'clickhouse' | 'postgres'): void;
  countLiveAnomaly(type: string): void;
  setSubscriptions(count: () => number): void;
  /** Operations, their duration and their errors. */
  plugin(): Plugin;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'guardian_gateway_' });
  const httpRequests = new Counter({ name: 'guardian_gateway_http_requests_total', help: 'HTTP requests by route, method and status.', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const httpDuration = new Histogram({ name: 'guardian_gateway_http_request_duration_seconds', help: 'HTTP request duration by route (to the end of the response; SSE streams excluded).', labelNames: ['route'], buckets: DURATION_BUCKETS, registers: [registry] });
  const operations = new Counter({ name: 'guardian_gateway_graphql_operations_total', help: 'GraphQL operations executed, by type and first root field.', labelNames: ['type', 'field'], registers: [registry] });
  const operationDuration = new Histogram({ name: 'guardian_gateway_graphql_operation_duration_seconds', help: 'GraphQL execution time, by type and first root field.', labelNames: ['type', 'field'], buckets: DURATION_BUCKETS, registers: [registry] });
  const errors = new Counter({ name: 'guardian_gateway_graphql_errors_total', help: 'GraphQL errors returned, by extensions.code.', labelNames: ['code'], registers: [registry] });
  const dependencyUp = new Gauge({ name: 'guardian_gateway_dependency_up', help: '1 when the dependency answered its last health probe, else 0.', labelNames: ['dependency'], registers: [registry] });
  const dependencyLatency = new Gauge({ name: 'guardian_gateway_dependency_latency_seconds', help: 'Duration of the last health probe.', labelNames: ['dependency'], registers: [registry] });
  const dependencyQueries = new Counter({ name: 'guardian_gateway_dependency_queries_total', help: 'Queries sent to a dependency (after batching and caching).', labelNames: ['dependency'], registers: [registry] });
  const liveAnomalies = new Counter({ name: 'guardian_gateway_live_anomalies_total', help: 'Anomalies read from Kafka for the live subscription.', labelNames: ['type'], registers: [registry] });
  let subscriptionCount: () => number = () => 0;
  new Gauge({
    name: 'guardian_gateway_subscriptions_active',
    help: 'Open anomalyDetected subscriptions.',
    registers: [registry],
    collect() {
      this.set(subscriptionCount());
    },
  });

  const countErrors = (list: readonly GraphQLError[] | undefined) => {
    for (const error of list ?? []) errors.inc({ code: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
  };

  return {
    registry,
    observeHttp(route, method, status, seconds) {
      httpRequests.inc({ route, method, status: String(status) });
      if (route !== '/graphql/stream') httpDuration.observe({ route }, seconds);
    },
    observeHealth(report) {
      for (const d of report.dependencies) {
        dependencyUp.set({ dependency: d.name }, d.up ? 1 : 0);
        dependencyLatency.set({ dependency: d.name }, d.latencyMs / 1000);
      }
    },
    countQuery: (dependency) => dependencyQueries.inc({ dependency }),
    countLiveAnomaly: (type) => liveAnomalies.inc({ type }),
    setSubscriptions(count) {
      subscriptionCount = count;
    },
    plugin(): Plugin {
      const labels = (operation: OperationDefinitionNode | undefined) => {
        const first = operation?.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
        return { type: operation?.operation ?? 'unknown', field: first && first.kind === Kind.FIELD ? first.name.value : 'none' };
      };
      const operationOf = (document: { definitions: readonly { kind: string }[] }, name: string | null | undefined) =>
        document.definitions.find(
          (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (name == null || (d as OperationDefinitionNode).name?.value === name),
        );
      return {
        onExecute({ args }) {
          const started = performance.now();
          const label = labels(operationOf(args.document, args.operationName));
          return {
            onExecuteDone() {
              operations.inc(label);
              operationDuration.observe(label, (performance.now() - started) / 1000);
            },
          };
        },
        onSubscribe({ args }) {
          operations.inc(labels(operationOf(args.document, args.operationName)));
        },
        onExecutionResult({ result }) {
          if (result && !(Symbol.asyncIterator in result)) countErrors(result.errors);
        },
      };
    },
  };
}
