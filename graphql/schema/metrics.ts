/**
 * Daily metrics (SPEC §4), the session funnel (SPEC §5) and a whole-period
 * summary. Values are full precision: SPEC rounds only when presenting.
 */
import { builder } from '../builder.ts';
import type { DailyMetricsRecord, FunnelRecord, FunnelStageRecord, MetricsSource } from '../data/metrics-store.ts';
import { notFound } from '../errors.ts';
import { listSize } from '../list-size.ts';
import { dayRange, MAX_RANGE_DAYS } from '../validation.ts';

export const MetricsSourceEnum = builder.enumType('MetricsSource', {
  description: 'Where a day\'s numbers come from.',
  values: {
    ROLLUP: { description: 'The nightly rollup: deduplicated, the numbers of record for a closed day.' },
    LIVE: { description: 'The live aggregates, for a day not rolled up yet (usually the data clock\'s own day); a redelivered Kafka message counts twice here until the rollup.' },
  } as const,
});

export const DailyMetricsRef = builder.objectRef<DailyMetricsRecord>('DailyMetrics').implement({
  description: 'The SPEC §4 metrics of one UTC day.',
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'The day.', resolve: (d) => d.day }),
    source: t.field({ type: MetricsSourceEnum, description: 'Rollup (of record) or live aggregates.', resolve: (d): MetricsSource => d.source }),
    totalClicks: t.field({ type: 'Long', description: 'Click rows of the day.', resolve: (d) => d.totalClicks }),
    totalPurchases: t.field({ type: 'Long', description: 'Buy rows of the day.', resolve: (d) => d.totalPurchases }),
    uniqueSessions: t.field({ type: 'Long', description: 'Distinct sessions among the clicks.', resolve: (d) => d.uniqueSessions }),
    uniqueItems: t.field({ type: 'Long', description: 'Distinct items among the clicks.', resolve: (d) => d.uniqueItems }),
    conversionRate: t.exposeFloat('conversionRate', { description: 'Sessions with ≥ 1 click and ≥ 1 buy that day ÷ uniqueSessions (0 without sessions); equals funnel Purchased ÷ Viewed.' }),
    avgSessionDurationSec: t.exposeFloat('avgSessionDurationSec', { description: 'Mean over sessions of (last click − first click), seconds, that day\'s clicks only.' }),
    avgClicksPerSession: t.exposeFloat('avgClicksPerSession', { description: 'totalClicks ÷ uniqueSessions.' }),
    totalRevenue: t.field({ type: 'Long', description: 'Σ price × quantity over the buy rows.', resolve: (d) => d.totalRevenue }),
    avgOrderValue: t.exposeFloat('avgOrderValue', { description: 'totalRevenue ÷ sessions with a buy row that day (0 when none); a buy without a click that day counts here.' }),
    convertedSessions: t.field({ type: 'Long', description: 'Sessions with ≥ 1 click and ≥ 1 buy that day (conversion numerator).', resolve: (d) => d.convertedSessions }),
    purchasingSessions: t.field({ type: 'Long', description: 'Sessions with ≥ 1 buy row that day (average order value denominator).', resolve: (d) => d.purchasingSessions }),
  }),
});

const FunnelStageRef = builder.objectRef<FunnelStageRecord>('FunnelStage').implement({
  description: 'One stage of the nested funnel (SPEC §5): each stage is a subset of the one before.',
  fields: (t) => ({
    stage: t.exposeInt('stage', { description: '1 Viewed, 2 Engaged, 3 Purchased.' }),
    name: t.exposeString('name', { description: '`Viewed` (≥ 1 click), `Engaged` (≥ 2 clicks) or `Purchased` (≥ 1 click and ≥ 1 buy that day).' }),
    sessions: t.field({ type: 'Long', description: 'Sessions reaching the stage.', resolve: (s) => s.sessions }),
    percentage: t.exposeFloat('percentage', { description: 'sessions ÷ Viewed × 100.' }),
    dropRate: t.exposeFloat('dropRate', { description: '(previous stage − this stage) ÷ previous stage × 100; 0 for Viewed.' }),
  }),
});

const FunnelRef = builder.objectRef<FunnelRecord>('Funnel').implement({
  description: 'The session funnel of one UTC day.',
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'The day.', resolve: (f) => f.day }),
    source: t.field({ type: MetricsSourceEnum, description: 'Rollup (of record) or live aggregates.', resolve: (f) => f.source }),
    stages: t.field({ type: [FunnelStageRef], description: 'Viewed, Engaged, Purchased, in order.', extensions: listSize({ max: 3 }), resolve: (f) => f.stages }),
  }),
});

interface SummaryShape {
  from: string | null;
  to: string | null;
  days: DailyMetricsRecord[];
  uniqueSessions: number;
  uniqueItems: number;
}

const sum = (days: readonly DailyMetricsRecord[], pick: (d: DailyMetricsRecord) => number) => days.reduce((total, d) => total + pick(d), 0);
const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

const PeriodSummaryRef = builder.objectRef<SummaryShape>('PeriodSummary').implement({
  description:
    'A period at a glance: sums of the daily metrics, ratios of those sums (a session active on two days counts on both, as in the daily numbers), and distinct sessions and items over the whole period.',
  fields: (t) => ({
    from: t.field({ type: 'Date', nullable: true, description: 'First day (default: the first day with data); null while there is no data.', resolve: (s) => s.from }),
    to: t.field({ type: 'Date', nullable: true, description: 'Last day, included (default: the last day with data).', resolve: (s) => s.to }),
    daysWithData: t.int({ description: 'Days of the period with at least one click or buy.', resolve: (s) => s.days.filter((d) => d.totalClicks > 0 || d.totalPurchases > 0).length }),
    totalClicks: t.field({ type: 'Long', description: 'Σ daily totalClicks.', resolve: (s) => sum(s.days, (d) => d.totalClicks) }),
    totalPurchases: t.field({ type: 'Long', description: 'Σ daily totalPurchases.', resolve: (s) => sum(s.days, (d) => d.totalPurchases) }),
    totalRevenue: t.field({ type: 'Long', description: 'Σ daily totalRevenue.', resolve: (s) => sum(s.days, (d) => d.totalRevenue) }),
    uniqueSessions: t.field({ type: 'Long', description: 'Distinct sessions with a click in the period (each counted once).', resolve: (s) => s.uniqueSessions }),
    uniqueItems: t.field({ type: 'Long', description: 'Distinct items clicked in the period.', resolve: (s) => s.uniqueItems }),
    sessionDays: t.field({ type: 'Long', description: 'Σ daily uniqueSessions (a session counts once per day it was active).', resolve: (s) => sum(s.days, (d) => d.uniqueSessions) }),
    conversionRate: t.float({
      description: 'Σ daily convertedSessions ÷ sessionDays.',
      resolve: (s) => ratio(sum(s.days, (d) => d.convertedSessions), sum(s.days, (d) => d.uniqueSessions)),
    }),
    avgClicksPerSession: t.float({ description: 'totalClicks ÷ sessionDays.', resolve: (s) => ratio(sum(s.days, (d) => d.totalClicks), sum(s.days, (d) => d.uniqueSessions)) }),
    avgSessionDurationSec: t.float({
      description: 'Mean daily session duration, weighted by each day\'s sessions.',
      resolve: (s) => ratio(sum(s.days, (d) => d.avgSessionDurationSec * d.uniqueSessions), sum(s.days, (d) => d.uniqueSessions)),
    }),
    avgOrderValue: t.float({ description: 'totalRevenue ÷ Σ daily purchasingSessions.', resolve: (s) => ratio(sum(s.days, (d) => d.totalRevenue), sum(s.days, (d) => d.purchasingSessions)) }),
    busiestDay: t.field({
      type: DailyMetricsRef,
      nullable: true,
      description: 'The day with the most clicks (the earliest of equals); null without data.',
      resolve: (s) => s.days.reduce<DailyMetricsRecord | null>((best, d) => (best === null || d.totalClicks > best.totalClicks ? d : best), null),
    }),
  }),
});

builder.queryFields((t) => ({
  dailyMetrics: t.field({
    type: [DailyMetricsRef],
    description: `One row per day from \`from\` to \`to\` (both included, at most ${MAX_RANGE_DAYS} days) that has data, in day order.`,
    extensions: listSize({ max: MAX_RANGE_DAYS }),
    args: {
      from: t.arg({ type: 'Date', required: true, description: 'First day.' }),
      to: t.arg({ type: 'Date', required: true, description: 'Last day, included.' }),
    },
    resolve: (_root, args, ctx) => {
      const range = dayRange(args.from, args.to);
      return ctx.stores.metrics.daily(range.from, range.to);
    },
  }),
  dailyMetricsForDate: t.field({
    type: DailyMetricsRef,
    description: 'The metrics of one day. NOT_FOUND when the day has neither a rollup nor live data.',
    args: { date: t.arg({ type: 'Date', required: true, description: 'The day.' }) },
    resolve: async (_root, args, ctx) => {
      const [row] = await ctx.stores.metrics.daily(args.date, args.date);
      if (row === undefined) throw notFound('date', `no metrics for ${args.date}: the day has no data and was not rolled up`);
      return row;
    },
  }),
  funnel: t.field({
    type: FunnelRef,
    description: 'The session funnel of one day. NOT_FOUND when the day has neither a rollup nor live data.',
    args: { date: t.arg({ type: 'Date', required: true, description: 'The day.' }) },
    resolve: async (_root, args, ctx) => {
      const funnel = await ctx.stores.metrics.funnel(args.date);
      if (funnel === undefined) throw notFound('date', `no funnel for ${args.date}: the day has no data and was not rolled up`);
      return funnel;
    },
  }),
  summary: t.field({
    type: PeriodSummaryRef,
    description: 'Totals and ratios over a period (default: every day with data; at most 366 days).',
    args: {
      from: t.arg({ type: 'Date', description: 'First day (default: the first day with data).' }),
      to: t.arg({ type: 'Date', description: 'Last day, included (default: the last day with data).' }),
    },
    resolve: async (_root, args, ctx) => {
      const bounds = args.from != null && args.to != null ? undefined : await ctx.stores.metrics.bounds();
      const from = args.from ?? bounds?.first;
      const to = args.to ?? bounds?.last;
      if (from === undefined || to === undefined) return { from: null, to: null, days: [], uniqueSessions: 0, uniqueItems: 0 };
      const range = dayRange(from, to);
      const [days, distinct] = await Promise.all([ctx.stores.metrics.daily(range.from, range.to), ctx.stores.metrics.distinctOver(range.from, range.to)]);
      return { from: range.from, to: range.to, days, ...distinct };
    },
  }),
}));
