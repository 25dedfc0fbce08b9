/**
 * Item and category popularity and trending items (SPEC §6), read from the
 * rollup's serving tables, best rank first. An empty answer is told apart
 * from a day the rollup never wrote: `rolledUp` looks the step up in
 * `rollup_runs`.
 */
import type { ClickHouseReader } from './clickhouse-reader.ts';

export interface PopularItemRecord {
  rank: number;
  itemId: number;
  category: string;
  clickCount: number;
  purchaseCount: number;
  revenue: number;
  clickToPurchaseRatio: number;
}

export interface PopularCategoryRecord {
  rank: number;
  category: string;
  itemCount: number;
  clickCount: number;
  purchaseCount: number;
  revenue: number;
  clickToPurchaseRatio: number;
}

export interface TrendingItemRecord {
  rank: number;
  itemId: number;
  recentClicks: number;
  baselineClicks: number;
  trendScore: number;
}

export type RollupStepName = 'popular_items' | 'popular_categories' | 'trending';

export interface ItemStore {
  popularItems(day: string, limit: number): Promise<PopularItemRecord[]>;
  popularCategories(day: string, limit: number): Promise<PopularCategoryRecord[]>;
  trending(day: string, limit: number): Promise<TrendingItemRecord[]>;
  /** The latest day with trending rows, if any. */
  latestTrendingDay(): Promise<string | undefined>;
  /** Whether a rollup step succeeded for the day at least once. */
  rolledUp(day: string, step: RollupStepName): Promise<boolean>;
}

export function createItemStore(ch: ClickHouseReader): ItemStore {
  return {
    async popularItems(day, limit) {
      const rows = await ch.rows<{ rank: number; item_id: number; category: string; click_count: number; purchase_count: number; revenue: number; click_to_purchase_ratio: number }>(
        `SELECT rank, item_id, category, click_count, purchase_count, revenue, click_to_purchase_ratio
         FROM popular_items WHERE day = {day:Date} ORDER BY rank LIMIT {limit:UInt32}`,
        { day, limit },
      );
      return rows.map((r) => ({
        rank: r.rank,
        itemId: r.item_id,
        category: r.category,
        clickCount: r.click_count,
        purchaseCount: r.purchase_count,
        revenue: r.revenue,
        clickToPurchaseRatio: r.click_to_purchase_ratio,
      }));
    },
    async popularCategories(day, limit) {
      const rows = await ch.rows<{ rank: number; category: string; item_count: number; click_count: number; purchase_count: number; revenue: number; click_to_purchase_ratio: number }>(
        `SELECT rank, category, item_count, click_count, purchase_count, revenue, click_to_purchase_ratio
         FROM popular_categories WHERE day = {day:Date} ORDER BY rank LIMIT {limit:UInt32}`,
        { day, limit },
      );
      return rows.map((r) => ({
        rank: r.rank,
        category: r.category,
        itemCount: r.item_count,
        clickCount: r.click_count,
        purchaseCount: r.purchase_count,
        revenue: r.revenue,
        clickToPurchaseRatio: r.click_to_purchase_ratio,
      }));
    },
    async trending(day, limit) {
      const rows = await ch.rows<{ rank: number; item_id: number; recent_clicks: number; baseline_clicks: number; trend_score: number }>(
        `SELECT rank, item_id, recent_clicks, baseline_clicks, trend_score
         FROM trending WHERE day = {day:Date} ORDER BY rank LIMIT {limit:UInt32}`,
        { day, limit },
      );
      return rows.map((r) => ({ rank: r.rank, itemId: r.item_id, recentClicks: r.recent_clicks, baselineClicks: r.baseline_clicks, trendScore: r.trend_score }));
    },
    async latestTrendingDay() {
      const rows = await ch.rows<{ day: string; n: number }>('SELECT toString(max(day)) AS day, count() AS n FROM trending');
      return rows[0] !== undefined && rows[0].n > 0 ? rows[0].day : undefined;
    },
    async rolledUp(day, step) {
      const rows = await ch.rows<{ n: number }>(
        `SELECT count() AS n FROM rollup_runs WHERE day = {day:Date} AND step = {step:String} AND status = 'success'`,
        { day, step },
      );
      return (rows[0]?.n ?? 0) > 0;
    },
  };
}
