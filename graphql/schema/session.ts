/**
 * One session: its raw clicks and purchases (ClickHouse) and its anomalies
 * (PostgreSQL). Every field goes through the request's batch loaders, so a
 * list of anomalies asking for their sessions costs one query per source.
 */
import { builder } from '../builder.ts';
import type { ClickRecord, PurchaseRecord, SessionTotals } from '../data/session-store.ts';
import { notFound } from '../errors.ts';
import type { GatewayContext } from '../context.ts';
import { listSize, sizeArgument, sizeDescription } from '../list-size.ts';
import { positiveId } from '../validation.ts';
import { AnomalyRef } from './anomaly.ts';

export const SessionRef = builder.objectRef<{ id: number }>('Session');

/** Events listed per session. */
const EVENTS = { argument: 'limit', max: 1000, fallback: 100 } as const;
/** Anomalies of one session: not bounded by an argument; a long bot session trips a window every 30 s. */
const SESSION_ANOMALIES = { max: 100 } as const;

const NO_EVENTS: Omit<SessionTotals, 'sessionId'> = { clicks: 0, uniqueItems: 0, firstClickAt: undefined, lastClickAt: undefined, purchases: 0, revenue: 0 };
const totals = async (id: number, ctx: GatewayContext) => (await ctx.loaders.sessionTotals.load(id)) ?? NO_EVENTS;

const ClickRef = builder.objectRef<ClickRecord>('Click').implement({
  description: 'One item view (a row of yoochoose-clicks).',
  fields: (t) => ({
    timestamp: t.field({ type: 'DateTime', description: 'Event time.', resolve: (c) => c.timestamp }),
    itemId: t.field({ type: 'Long', description: 'The item viewed.', resolve: (c) => c.itemId }),
    category: t.exposeString('category', { description: '`0` unknown, `S` special offer, `1`..`12` a category, an 8–10 digit number a brand.' }),
  }),
});

const PurchaseRef = builder.objectRef<PurchaseRecord>('Purchase').implement({
  description: 'One purchased line item (a row of yoochoose-buys).',
  fields: (t) => ({
    timestamp: t.field({ type: 'DateTime', description: 'Event time.', resolve: (p) => p.timestamp }),
    itemId: t.field({ type: 'Long', description: 'The item bought.', resolve: (p) => p.itemId }),
    price: t.field({ type: 'Long', description: 'Unit price; 0 = unknown.', resolve: (p) => p.price }),
    quantity: t.exposeInt('quantity', { description: 'Units; 0 = unknown.' }),
    amount: t.field({ type: 'Long', description: 'price × quantity (what the line adds to revenue).', resolve: (p) => p.price * p.quantity }),
  }),
});

SessionRef.implement({
  description: 'A session (all days): its events from ClickHouse and the anomalies it tripped.',
  fields: (t) => ({
    id: t.field({ type: 'Long', description: 'The session id.', resolve: (s) => s.id }),
    anomalies: t.field({
      type: [AnomalyRef],
      description: 'Every anomaly of the session, oldest window first.',
      extensions: listSize(SESSION_ANOMALIES),
      resolve: (s, _a, ctx) => ctx.loaders.anomaliesBySession.load(s.id),
    }),
    clickCount: t.int({ description: 'Clicks (each Kafka message once).', resolve: async (s, _a, ctx) => (await totals(s.id, ctx)).clicks }),
    uniqueItems: t.int({ description: 'Distinct items clicked.', resolve: async (s, _a, ctx) => (await totals(s.id, ctx)).uniqueItems }),
    purchaseCount: t.int({ description: 'Buy rows.', resolve: async (s, _a, ctx) => (await totals(s.id, ctx)).purchases }),
    revenue: t.field({ type: 'Long', description: 'Σ price × quantity over its buy rows.', resolve: async (s, _a, ctx) => (await totals(s.id, ctx)).revenue }),
    firstClickAt: t.field({ type: 'DateTime', nullable: true, description: 'First click; null when it only bought.', resolve: async (s, _a, ctx) => (await totals(s.id, ctx)).firstClickAt }),
    lastClickAt: t.field({ type: 'DateTime', nullable: true, description: 'Last click; null when it only bought.', resolve: async (s, _a, ctx) => (await totals(s.id, ctx)).lastClickAt }),
    durationSeconds: t.float({
      nullable: true,
      description: 'Last click − first click, in seconds (over all days; daily metrics count each day separately); null without clicks.',
      resolve: async (s, _a, ctx) => {
        const { firstClickAt, lastClickAt } = await totals(s.id, ctx);
        return firstClickAt === undefined || lastClickAt === undefined ? null : (lastClickAt - firstClickAt) / 1000;
      },
    }),
    clicks: t.field({
      type: [ClickRef],
      description: 'Its clicks in time order, the first `limit` of them.',
      args: { limit: t.arg.int({ defaultValue: EVENTS.fallback, description: sizeDescription(EVENTS, 'At most this many') }) },
      extensions: listSize(EVENTS),
      resolve: (s, args, ctx) => ctx.loaders.sessionClicks(sizeArgument(EVENTS, args.limit)).load(s.id),
    }),
    purchases: t.field({
      type: [PurchaseRef],
      description: 'Its buy rows in time order, the first `limit` of them.',
      args: { limit: t.arg.int({ defaultValue: EVENTS.fallback, description: sizeDescription(EVENTS, 'At most this many') }) },
      extensions: listSize(EVENTS),
      resolve: (s, args, ctx) => ctx.loaders.sessionPurchases(sizeArgument(EVENTS, args.limit)).load(s.id),
    }),
  }),
});

builder.queryField('session', (t) =>
  t.field({
    type: SessionRef,
    description: "One session's detail: its events and anomalies. NOT_FOUND when it has neither.",
    args: { id: t.arg({ type: 'Long', required: true, description: 'The session id.' }) },
    resolve: async (_root, args, ctx) => {
      const id = positiveId('id', args.id);
      const [events, anomalies] = await Promise.all([ctx.loaders.sessionTotals.load(id), ctx.loaders.anomaliesBySession.load(id)]);
      if (events === undefined && anomalies.length === 0) throw notFound('id', `no session ${id}: it has no events and no anomalies`);
      return { id };
    },
  }),
);
