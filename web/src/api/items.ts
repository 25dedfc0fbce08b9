/** Item and category popularity and trending items of a day (SPEC §6), from the nightly rollup. */
import { GraphQLRequestError, request } from '../lib/graphql.ts';
import { POPULAR_CATEGORIES, POPULAR_ITEMS, TRENDING_ITEMS } from './documents.ts';

export interface PopularItem {
  rank: number;
  itemId: number;
  category: string;
  clickCount: number;
  purchaseCount: number;
  revenue: number;
  clickToPurchaseRatio: number;
}

export interface PopularCategory {
  rank: number;
  category: string;
  itemCount: number;
  clickCount: number;
  purchaseCount: number;
  revenue: number;
  clickToPurchaseRatio: number;
}

export interface TrendingItem {
  rank: number;
  itemId: number;
  recentClicks: number;
  baselineClicks: number;
  trendScore: number;
}

export interface Ranked<T> {
  rows: T[];
  /** Set when the gateway answered NOT_FOUND (the day was not rolled up): its message. */
  missing: string | undefined;
}

export interface Popularity {
  items: Ranked<PopularItem>;
  categories: Ranked<PopularCategory>;
  trending: Ranked<TrendingItem>;
}

/** A NOT_FOUND (day not rolled up) is an empty list with the gateway's reason, not a failure. */
async function ranked<T>(load: () => Promise<T[]>): Promise<Ranked<T>> {
  try {
    return { rows: await load(), missing: undefined };
  } catch (error) {
    if (error instanceof GraphQLRequestError && error.code === 'NOT_FOUND') return { rows: [], missing: error.message };
    throw error;
  }
}

/** Top 100 items, top 20 categories, top 10 trending items of `date` (three requests in parallel). */
export async function fetchPopularity(date: string, signal?: AbortSignal): Promise<Popularity> {
  const [items, categories, trending] = await Promise.all([
    ranked(async () =>
      (
        await request<{ popularItems: PopularItem[] }>(
          POPULAR_ITEMS,
          { date },
          signal,
        )
      ).popularItems,
    ),
    ranked(async () =>
      (
        await request<{ popularCategories: PopularCategory[] }>(
          POPULAR_CATEGORIES,
          { date },
          signal,
        )
      ).popularCategories,
    ),
    ranked(async () =>
      (
        await request<{ trendingItems: { items: TrendingItem[] } }>(
          TRENDING_ITEMS,
          { date },
          signal,
        )
      ).trendingItems.items,
    ),
  ]);
  return { items, categories, trending };
}
