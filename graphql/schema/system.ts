/**
 * The system: dependency health, the data clock (SPEC §7) and totals.
 */
import { builder } from '../builder.ts';
import type { DependencyHealth, HealthReport } from '../data/health.ts';
import type { WarehouseTotals } from '../data/warehouse-store.ts';
import type { GatewayContext } from '../context.ts';
import { listSize } from '../list-size.ts';

const HealthStatusEnum = builder.enumType('HealthStatus', {
  description: 'Overall health.',
  values: {
    OK: { description: 'Every dependency answers.' },
    DEGRADED: { description: 'Kafka or the schema registry is down: queries work, the live feed and pipeline status do not.' },
    DOWN: { description: 'ClickHouse or PostgreSQL is down: queries fail.' },
  } as const,
});

const DependencyHealthRef = builder.objectRef<DependencyHealth>('DependencyHealth').implement({
  description: 'One dependency\'s answer to a probe.',
  fields: (t) => ({
    name: t.exposeString('name', { description: '`clickhouse`, `postgres`, `kafka` or `schema-registry`.' }),
    up: t.exposeBoolean('up', { description: 'Whether it answered in time.' }),
    latencyMs: t.exposeFloat('latencyMs', { description: 'How long the probe took, ms.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it is down; null when up.' }),
    critical: t.exposeBoolean('critical', { description: 'Whether queries need it (ClickHouse, PostgreSQL).' }),
  }),
});

const HealthRef = builder.objectRef<HealthReport>('Health').implement({
  description: 'Dependency health (the same report as GET /health).',
  fields: (t) => ({
    status: t.field({ type: HealthStatusEnum, description: 'Overall.', resolve: (h) => (h.status === 'ok' ? 'OK' : h.status === 'degraded' ? 'DEGRADED' : 'DOWN') }),
    checkedAt: t.field({ type: 'DateTime', description: 'When the probes ran (reports are reused for a second).', resolve: (h) => h.checkedAt }),
    dependencies: t.field({ type: [DependencyHealthRef], description: 'Each dependency.', extensions: listSize({ max: 4 }), resolve: (h) => h.dependencies }),
  }),
});

const DataClockRef = builder.objectRef<{ clock: number | undefined }>('DataClock').implement({
  description: '"Now" of a replayed stream (SPEC §7): the largest event time ingested. Every "last N hours" is relative to it.',
  fields: (t) => ({
    time: t.field({ type: 'DateTime', nullable: true, description: 'The data clock; null while nothing has been ingested.', resolve: (c) => c.clock ?? null }),
    date: t.field({ type: 'Date', nullable: true, description: 'Its UTC day.', resolve: (c) => (c.clock === undefined ? null : new Date(c.clock).toISOString().slice(0, 10)) }),
    wallClock: t.field({ type: 'DateTime', description: 'The gateway\'s wall clock, for comparison.', resolve: () => Date.now() }),
  }),
});

const GatewayStatsRef = builder.objectRef<GatewayContext>('GatewayStats').implement({
  description: 'This gateway process.',
  fields: (t) => ({
    version: t.string({ description: 'Package version.', resolve: (ctx) => ctx.settings.version }),
    nodeVersion: t.string({ description: 'Node.js version.', resolve: () => process.version }),
    startedAt: t.field({ type: 'DateTime', description: 'When it started.', resolve: (ctx) => ctx.settings.startedAt }),
    uptimeSeconds: t.float({ description: 'Seconds since it started.', resolve: (ctx) => (Date.now() - ctx.settings.startedAt) / 1000 }),
    rssBytes: t.field({ type: 'Long', description: 'Resident memory.', resolve: () => process.memoryUsage().rss }),
    heapUsedBytes: t.field({ type: 'Long', description: 'JavaScript heap in use.', resolve: () => process.memoryUsage().heapUsed }),
    liveSubscribers: t.int({ description: 'Open anomalyDetected subscriptions.', resolve: (ctx) => ctx.feed?.subscribers() ?? 0 }),
  }),
});

const SystemStatsRef = builder.objectRef<{ totals: WarehouseTotals; anomalies: { anomalies: number; sessions: number; latestDetectedAt: number | undefined } }>('SystemStats').implement({
  description:
    'Totals over everything ingested, from the live aggregates (at-least-once: a redelivered Kafka message counts twice in clicks, purchases and revenue until the nightly rollup; distinct counts are exact), and the anomaly store.',
  fields: (t) => ({
    totalClicks: t.field({ type: 'Long', description: 'Click rows ingested.', resolve: (s) => s.totals.clicks }),
    totalPurchases: t.field({ type: 'Long', description: 'Buy rows ingested.', resolve: (s) => s.totals.purchases }),
    totalRevenue: t.field({ type: 'Long', description: 'Σ price × quantity over them.', resolve: (s) => s.totals.revenue }),
    uniqueSessions: t.field({ type: 'Long', description: 'Distinct sessions with a click.', resolve: (s) => s.totals.sessions }),
    uniqueItems: t.field({ type: 'Long', description: 'Distinct items clicked.', resolve: (s) => s.totals.items }),
    daysWithData: t.int({ description: 'UTC days with any event.', resolve: (s) => s.totals.days }),
    firstDate: t.field({ type: 'Date', nullable: true, description: 'First day with data.', resolve: (s) => s.totals.firstDay ?? null }),
    lastDate: t.field({ type: 'Date', nullable: true, description: 'Last day with data.', resolve: (s) => s.totals.lastDay ?? null }),
    anomalies: t.field({ type: 'Long', description: 'Anomaly rows detected.', resolve: (s) => s.anomalies.anomalies }),
    anomalousSessions: t.field({ type: 'Long', description: 'Distinct sessions among them.', resolve: (s) => s.anomalies.sessions }),
    lastAnomalyDetectedAt: t.field({ type: 'DateTime', nullable: true, description: 'Processing time of the latest anomaly.', resolve: (s) => s.anomalies.latestDetectedAt ?? null }),
    dataClock: t.field({ type: DataClockRef, description: 'The data clock.', resolve: async (_s, _a, ctx) => ({ clock: await ctx.stores.warehouse.dataClock() }) }),
    gateway: t.field({ type: GatewayStatsRef, description: 'This gateway process.', resolve: (_s, _a, ctx) => ctx }),
  }),
});

builder.queryFields((t) => ({
  health: t.field({ type: HealthRef, description: 'Each dependency: up or down, and how fast it answered.', resolve: (_root, _args, ctx) => ctx.stores.health.check() }),
  dataClock: t.field({ type: DataClockRef, description: 'The data clock: the largest event time ingested (SPEC §7).', resolve: async (_root, _args, ctx) => ({ clock: await ctx.stores.warehouse.dataClock() }) }),
  systemStats: t.field({
    type: SystemStatsRef,
    description: 'Totals of everything ingested and detected, and this gateway process.',
    resolve: async (_root, _args, ctx) => {
      const [totals, anomalies] = await Promise.all([ctx.stores.warehouse.totals(), ctx.stores.anomalies.totals()]);
      return { totals, anomalies };
    },
  }),
}));
