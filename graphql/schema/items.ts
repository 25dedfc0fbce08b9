/**
 * Item and category popularity and trending items of a day (SPEC §6), from
 * the nightly rollup. A day the rollup has not written is NOT_FOUND (with
 * the command that writes it); a rolled-up day without data is an empty list.
 */
import { builder } from '../builder.ts';
import type { PopularCategoryRecord, PopularItemRecord, RollupStepName, TrendingItemRecord } from '../data/item-store.ts';
import type { GatewayContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { listSize, sizeArgument, sizeDescription } from '../list-size.ts';

const ITEMS = { argument: 'limit', max: 100, fallback: 20 } as const;
const CATEGORIES = { argument: 'limit', max: 20, fallback: 20 } as const;
const TRENDING = { argument: 'limit', max: 100, fallback: 20 } as const;

const PopularItemRef = builder.objectRef<PopularItemRecord>('PopularItem').implement({
  description: 'An item\'s day: ranked by revenue, then clicks (desc), then item id (asc). The top 100 are kept.',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: '1 = first.' }),
    itemId: t.field({ type: 'Long', description: 'The item.', resolve: (i) => i.itemId }),
    category: t.exposeString('category', { description: 'The most frequent category among its clicks that day (ties: smallest string); `0` when it was only bought.' }),
    clickCount: t.field({ type: 'Long', description: 'Clicks on it that day.', resolve: (i) => i.clickCount }),
    purchaseCount: t.field({ type: 'Long', description: 'Buy rows of it that day.', resolve: (i) => i.purchaseCount }),
    revenue: t.field({ type: 'Long', description: 'Σ price × quantity of those rows.', resolve: (i) => i.revenue }),
    clickToPurchaseRatio: t.exposeFloat('clickToPurchaseRatio', { description: 'purchaseCount ÷ clickCount (0 without clicks).' }),
  }),
});

const PopularCategoryRef = builder.objectRef<PopularCategoryRecord>('PopularCategory').implement({
  description: 'A category\'s day (items grouped by their category of the day): same columns and ranking as items; the top 20 are kept.',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: '1 = first.' }),
    category: t.exposeString('category', { description: '`0` unknown, `S` special offer, `1`..`12`, or a brand id.' }),
    itemCount: t.field({ type: 'Long', description: 'Items whose category of the day is this one.', resolve: (c) => c.itemCount }),
    clickCount: t.field({ type: 'Long', description: 'Clicks on those items.', resolve: (c) => c.clickCount }),
    purchaseCount: t.field({ type: 'Long', description: 'Buy rows of those items.', resolve: (c) => c.purchaseCount }),
    revenue: t.field({ type: 'Long', description: 'Σ price × quantity of those rows.', resolve: (c) => c.revenue }),
    clickToPurchaseRatio: t.exposeFloat('clickToPurchaseRatio', { description: 'purchaseCount ÷ clickCount (0 without clicks).' }),
  }),
});

const TrendingItemRef = builder.objectRef<TrendingItemRecord>('TrendingItem').implement({
  description: 'An item gaining attention: ranked by trendScore, then recentClicks (desc), then item id (asc).',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: '1 = first.' }),
    itemId: t.field({ type: 'Long', description: 'The item.', resolve: (i) => i.itemId }),
    recentClicks: t.field({ type: 'Long', description: 'Clicks on the day.', resolve: (i) => i.recentClicks }),
    baselineClicks: t.exposeFloat('baselineClicks', { description: 'Mean daily clicks over the three days before (a day without data counts as 0).' }),
    trendScore: t.exposeFloat('trendScore', { description: '(recentClicks + 1) ÷ (baselineClicks + 1).' }),
  }),
});

const TrendingItemsRef = builder.objectRef<{ day: string; items: TrendingItemRecord[] }>('TrendingItems').implement({
  description: 'The trending items as of one day.',
  fields: (t) => ({
    date: t.field({ type: 'Date', description: 'The day they trend on.', resolve: (r) => r.day }),
    items: t.field({ type: [TrendingItemRef], description: 'Best first.', extensions: listSize({ ...TRENDING, fromParent: true }), resolve: (r) => r.items }),
  }),
});

/** Empty rows are an answer only when the rollup step ran for the day. */
async function rolledUpOrNotFound<T>(ctx: GatewayContext, day: string, step: RollupStepName, rows: T[]): Promise<T[]> {
  if (rows.length > 0 || (await ctx.stores.items.rolledUp(day, step))) return rows;
  throw notFound('date', `${day} has not been rolled up (${step}); run \`guardian rollup --day ${day}\``);
}

builder.queryFields((t) => ({
  popularItems: t.field({
    type: [PopularItemRef],
    description: 'The most popular items of a day, best first.',
    args: {
      date: t.arg({ type: 'Date', required: true, description: 'The day.' }),
      limit: t.arg.int({ defaultValue: ITEMS.fallback, description: sizeDescription(ITEMS) }),
    },
    extensions: listSize(ITEMS),
    resolve: async (_root, args, ctx) => {
      const limit = sizeArgument(ITEMS, args.limit);
      return rolledUpOrNotFound(ctx, args.date, 'popular_items', await ctx.stores.items.popularItems(args.date, limit));
    },
  }),
  popularCategories: t.field({
    type: [PopularCategoryRef],
    description: 'The most popular categories of a day, best first.',
    args: {
      date: t.arg({ type: 'Date', required: true, description: 'The day.' }),
      limit: t.arg.int({ defaultValue: CATEGORIES.fallback, description: sizeDescription(CATEGORIES) }),
    },
    extensions: listSize(CATEGORIES),
    resolve: async (_root, args, ctx) => {
      const limit = sizeArgument(CATEGORIES, args.limit);
      return rolledUpOrNotFound(ctx, args.date, 'popular_categories', await ctx.stores.items.popularCategories(args.date, limit));
    },
  }),
  trendingItems: t.field({
    type: TrendingItemsRef,
    description: 'Trending items as of a day (default: the latest day the rollup computed them for).',
    args: {
      date: t.arg({ type: 'Date', description: 'The day (default: the latest rolled-up day).' }),
      limit: t.arg.int({ defaultValue: TRENDING.fallback, description: sizeDescription(TRENDING) }),
    },
    resolve: async (_root, args, ctx) => {
      const limit = sizeArgument(TRENDING, args.limit);
      const day = args.date ?? (await ctx.stores.items.latestTrendingDay());
      if (day === undefined) throw notFound('date', 'no day has trending items yet; run `guardian rollup`');
      return { day, items: await rolledUpOrNotFound(ctx, day, 'trending', await ctx.stores.items.trending(day, limit)) };
    },
  }),
}));
