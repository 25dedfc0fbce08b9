/**
 * Anomalies (SPEC §3): the detector's rows in PostgreSQL — a paginated,
 * filterable list, counts per type, an hourly timeline relative to the data
 * clock — and the live `anomalyDetected` subscription fed from Kafka.
 */
import { filter, pipe } from 'graphql-yoga';
import { builder } from '../builder.ts';
import { ANOMALY_TYPES, type AnomalyFilter, type AnomalyRecord, type AnomalyTypeName } from '../data/anomaly-store.ts';
import { unavailable } from '../errors.ts';
import { listSize, sizeArgument, sizeDescription } from '../list-size.ts';
import { decodeCursor, encodeCursor, instantRange, positiveId } from '../validation.ts';
import { SessionRef } from './session.ts';

const HOUR_MS = 3_600_000;
/** A page of the anomalies list. */
const PAGE = { argument: 'first', max: 500, fallback: 50 } as const;
/** Hours of the timeline. */
const HOURS = { argument: 'hours', max: 720, fallback: 24 } as const;

export const AnomalyTypeEnum = builder.enumType('AnomalyType', {
  description: 'The rule that flagged a session (SPEC §3).',
  values: {
    HIGH_FREQUENCY: { description: 'At least 50 clicks in one 10-second tumbling window.' },
    BOT_LIKE: { description: 'At least 100 clicks on at most 5 distinct items in one 60-second window (windows start every 30 s).' },
  } as const,
});

export const AnomalyRef = builder.objectRef<AnomalyRecord>('Anomaly');

AnomalyRef.implement({
  description: 'One window in which one session tripped one rule. Unique per (sessionId, type, windowStart).',
  fields: (t) => ({
    sessionId: t.field({ type: 'Long', description: 'The session whose clicks tripped the rule.', resolve: (a) => a.sessionId }),
    type: t.field({ type: AnomalyTypeEnum, description: 'Which rule fired.', resolve: (a) => a.type }),
    windowStart: t.field({ type: 'DateTime', description: 'Start of the event-time window (inclusive), aligned to the Unix epoch.', resolve: (a) => a.windowStart }),
    windowEnd: t.field({ type: 'DateTime', description: 'End of the event-time window (exclusive).', resolve: (a) => a.windowEnd }),
    clickCount: t.exposeInt('clickCount', { description: 'Clicks of the session inside the window.' }),
    uniqueItems: t.exposeInt('uniqueItems', { description: 'Distinct items among those clicks.' }),
    detectedAt: t.field({ type: 'DateTime', description: 'Processing time at which the detector emitted the row (wall clock, not event time).', resolve: (a) => a.detectedAt }),
    session: t.field({
      type: SessionRef,
      description: 'The whole session: its clicks and purchases (ClickHouse) and every anomaly it tripped. Batched across a list.',
      resolve: (a) => ({ id: a.sessionId }),
    }),
  }),
});

interface ConnectionShape {
  rows: AnomalyRecord[];
  hasNextPage: boolean;
  filter: AnomalyFilter;
}

const PageInfoRef = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo').implement({
  description: 'Where a page ends, and whether another follows.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'True when more rows follow; ask again with `after: endCursor`.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Cursor of the last row of this page; null for an empty page.' }),
  }),
});

const AnomalyEdgeRef = builder.objectRef<AnomalyRecord>('AnomalyEdge').implement({
  description: 'An anomaly with its position in the list.',
  fields: (t) => ({
    cursor: t.string({ description: 'Opaque position of this row; pass it as `after` to continue after it.', resolve: (a) => encodeCursor(a) }),
    node: t.field({ type: AnomalyRef, description: 'The anomaly.', resolve: (a) => a }),
  }),
});

const AnomalyConnectionRef = builder.objectRef<ConnectionShape>('AnomalyConnection').implement({
  description: 'A page of anomalies, newest window first (then session id and type, descending): stable while new rows arrive.',
  fields: (t) => ({
    edges: t.field({ type: [AnomalyEdgeRef], description: 'The rows with their cursors.', extensions: listSize({ ...PAGE, fromParent: true }), resolve: (c) => c.rows }),
    nodes: t.field({ type: [AnomalyRef], description: 'The rows, without cursors.', extensions: listSize({ ...PAGE, fromParent: true }), resolve: (c) => c.rows }),
    pageInfo: t.field({
      type: PageInfoRef,
      description: 'Whether more rows follow, and the cursor to continue from.',
      resolve: (c) => ({ hasNextPage: c.hasNextPage, endCursor: c.rows.length > 0 ? encodeCursor(c.rows.at(-1)!) : null }),
    }),
    totalCount: t.int({ description: 'Rows matching the filter, over all pages (one extra count query; ask only when needed).', resolve: (c, _a, ctx) => ctx.stores.anomalies.count(c.filter) }),
  }),
});

const AnomalyTypeCountRef = builder.objectRef<{ type: AnomalyTypeName; anomalies: number; sessions: number }>('AnomalyTypeCount').implement({
  description: 'How many anomalies of one type, and in how many sessions.',
  fields: (t) => ({
    type: t.field({ type: AnomalyTypeEnum, description: 'The rule.', resolve: (c) => c.type }),
    anomalies: t.exposeInt('anomalies', { description: 'Rows (windows) of this type.' }),
    sessions: t.exposeInt('sessions', { description: 'Distinct sessions among them.' }),
  }),
});

interface BucketShape {
  hour: number;
  counts: { type: AnomalyTypeName; anomalies: number }[];
}

const HourCountRef = builder.objectRef<{ type: AnomalyTypeName; anomalies: number }>('AnomalyHourCount').implement({
  description: 'Anomalies of one type in one hour.',
  fields: (t) => ({
    type: t.field({ type: AnomalyTypeEnum, description: 'The rule.', resolve: (c) => c.type }),
    anomalies: t.exposeInt('anomalies', { description: 'Rows whose window starts in the hour.' }),
  }),
});

const TimelineBucketRef = builder.objectRef<BucketShape>('AnomalyTimelineBucket').implement({
  description: 'One UTC hour of the timeline.',
  fields: (t) => ({
    hour: t.field({ type: 'DateTime', description: 'Start of the hour.', resolve: (b) => b.hour }),
    total: t.int({ description: 'Anomalies whose window starts in the hour, all types.', resolve: (b) => b.counts.reduce((sum, c) => sum + c.anomalies, 0) }),
    byType: t.field({ type: [HourCountRef], description: 'The same, per type (every type, zeros included).', extensions: listSize({ max: ANOMALY_TYPES.length }), resolve: (b) => b.counts }),
  }),
});

const TimelineRef = builder.objectRef<{ from: number | null; to: number | null; buckets: BucketShape[] }>('AnomalyTimeline').implement({
  description: 'Anomalies per hour over the last N hours of the data clock (SPEC §7), oldest hour first, empty hours included.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', nullable: true, description: 'Start of the first hour; null while nothing has been ingested.', resolve: (l) => l.from }),
    to: t.field({ type: 'DateTime', nullable: true, description: 'End of the last hour (exclusive): the hour holding the data clock ends here.', resolve: (l) => l.to }),
    buckets: t.field({ type: [TimelineBucketRef], description: 'One per hour.', extensions: listSize({ ...HOURS, fromParent: true }), resolve: (l) => l.buckets }),
  }),
});

builder.queryFields((t) => ({
  anomalies: t.field({
    type: AnomalyConnectionRef,
    description: 'Detected anomalies, newest window first, filtered and paginated by cursor.',
    args: {
      first: t.arg.int({ defaultValue: PAGE.fallback, description: sizeDescription(PAGE, 'Page size') }),
      after: t.arg.string({ description: 'Continue after this cursor (`pageInfo.endCursor` of the previous page).' }),
      type: t.arg({ type: AnomalyTypeEnum, description: 'Only this rule.' }),
      sessionId: t.arg({ type: 'Long', description: 'Only this session.' }),
      from: t.arg({ type: 'DateTime', description: 'Only windows starting at or after this instant.' }),
      to: t.arg({ type: 'DateTime', description: 'Only windows starting before this instant.' }),
    },
    resolve: async (_root, args, ctx) => {
      const first = sizeArgument(PAGE, args.first);
      const after = args.after != null ? decodeCursor('after', args.after) : undefined;
      const filterBy: AnomalyFilter = {
        ...instantRange(args.from, args.to),
        type: args.type ?? undefined,
        sessionId: args.sessionId != null ? positiveId('sessionId', args.sessionId) : undefined,
      };
      const rows = await ctx.stores.anomalies.list(filterBy, first + 1, after);
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first, filter: filterBy };
    },
  }),
  anomalyCounts: t.field({
    type: [AnomalyTypeCountRef],
    description: 'Anomalies and anomalous sessions per type (every type, zeros included), optionally within a window-start range.',
    extensions: listSize({ max: ANOMALY_TYPES.length }),
    args: {
      from: t.arg({ type: 'DateTime', description: 'Only windows starting at or after this instant.' }),
      to: t.arg({ type: 'DateTime', description: 'Only windows starting before this instant.' }),
    },
    resolve: async (_root, args, ctx) => {
      const counts = await ctx.stores.anomalies.countsByType(instantRange(args.from, args.to));
      return ANOMALY_TYPES.map((type) => counts.find((c) => c.type === type) ?? { type, anomalies: 0, sessions: 0 });
    },
  }),
  anomalyTimeline: t.field({
    type: TimelineRef,
    description: 'Hourly anomaly counts for the last `hours` hours of the data clock: the hour holding the data clock and the hours before it.',
    args: {
      hours: t.arg.int({ defaultValue: HOURS.fallback, description: sizeDescription(HOURS, 'How many hours') }),
      type: t.arg({ type: AnomalyTypeEnum, description: 'Only this rule.' }),
    },
    resolve: async (_root, args, ctx) => {
      const hours = sizeArgument(HOURS, args.hours);
      const clock = await ctx.stores.warehouse.dataClock();
      if (clock === undefined) return { from: null, to: null, buckets: [] };
      const to = Math.floor(clock / HOUR_MS) * HOUR_MS + HOUR_MS;
      const from = to - hours * HOUR_MS;
      const types = args.type ? [args.type] : [...ANOMALY_TYPES];
      const rows = await ctx.stores.anomalies.hourly({ from, to, type: args.type ?? undefined });
      const buckets = Array.from({ length: hours }, (_, i) => {
        const hour = from + i * HOUR_MS;
        return { hour, counts: types.map((type) => ({ type, anomalies: rows.find((r) => r.hour === hour && r.type === type)?.anomalies ?? 0 })) };
      });
      return { from, to, buckets };
    },
  }),
}));

builder.subscriptionFields((t) => ({
  anomalyDetected: t.field({
    type: AnomalyRef,
    description: 'Each anomaly as the detector publishes it to Kafka, from the moment of subscribing (server-sent events).',
    args: {
      type: t.arg({ type: AnomalyTypeEnum, description: 'Only this rule.' }),
      sessionId: t.arg({ type: 'Long', description: 'Only this session.' }),
    },
    subscribe: (_root, args, ctx) => {
      if (ctx.feed === undefined) throw unavailable('The live anomaly feed', 'this gateway runs without it (--no-live)');
      const type = args.type ?? undefined;
      const sessionId = args.sessionId != null ? positiveId('sessionId', args.sessionId) : undefined;
      return pipe(
        ctx.feed.subscribe(),
        filter((a: AnomalyRecord) => (type === undefined || a.type === type) && (sessionId === undefined || a.sessionId === sessionId)),
      );
    },
    resolve: (anomaly: AnomalyRecord) => anomaly,
  }),
}));
