/**
 * Reference calculators for SPEC §4–6, written straight from the SPEC text
 * over the `.dat` rows, in plain TypeScript and independently of the
 * product's SQL: the rollup and live-aggregate tests compare ClickHouse's
 * numbers with these. Deliberately naive (maps and sorts, no cleverness).
 */
import fs from 'node:fs';

export interface Click {
  session: number;
  ms: number;
  item: number;
  category: string;
}

export interface Buy {
  session: number;
  ms: number;
  item: number;
  price: number;
  quantity: number;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const lines = (file: string): string[] => fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);

export function readClicks(file: string): Click[] {
  return lines(file).map((line) => {
    const [session, time, item, category] = line.split(',');
    return { session: Number(session), ms: Date.parse(time!), item: Number(item), category: category! };
  });
}

export function readBuys(file: string): Buy[] {
  return lines(file).map((line) => {
    const [session, time, item, price, quantity] = line.split(',');
    return { session: Number(session), ms: Date.parse(time!), item: Number(item), price: Number(price), quantity: Number(quantity) };
  });
}

export const onDay = <T extends { ms: number }>(rows: readonly T[], day: string): T[] => rows.filter((row) => dayOf(row.ms) === day);

export interface DailyMetricsRef {
  total_clicks: number;
  total_purchases: number;
  unique_sessions: number;
  unique_items: number;
  conversion_rate: number;
  avg_session_duration_sec: number;
  avg_clicks_per_session: number;
  total_revenue: number;
  avg_order_value: number;
  converted_sessions: number;
  purchasing_sessions: number;
}

export function dailyMetrics(allClicks: readonly Click[], allBuys: readonly Buy[], day: string): DailyMetricsRef {
  const clicks = onDay(allClicks, day);
  const buys = onDay(allBuys, day);
  const sessions = new Map<number, { first: number; last: number }>();
  for (const c of clicks) {
    const s = sessions.get(c.session);
    if (!s) sessions.set(c.session, { first: c.ms, last: c.ms });
    else {
      s.first = Math.min(s.first, c.ms);
      s.last = Math.max(s.last, c.ms);
    }
  }
  const buyers = new Set(buys.map((b) => b.session));
  const items = new Set(clicks.map((c) => c.item));
  const converted = [...sessions.keys()].filter((s) => buyers.has(s)).length;
  let durationSecSum = 0;
  for (const s of sessions.values()) durationSecSum += (s.last - s.first) / 1000;
  const revenue = buys.reduce((sum, b) => sum + b.price * b.quantity, 0);
  const n = sessions.size;
  return {
    total_clicks: clicks.length,
    total_purchases: buys.length,
    unique_sessions: n,
    unique_items: items.size,
    conversion_rate: n === 0 ? 0 : converted / n,
    avg_session_duration_sec: n === 0 ? 0 : durationSecSum / n,
    avg_clicks_per_session: n === 0 ? 0 : clicks.length / n,
    total_revenue: revenue,
    avg_order_value: buyers.size === 0 ? 0 : revenue / buyers.size,
    converted_sessions: converted,
    purchasing_sessions: buyers.size,
  };
}

export interface FunnelStageRef {
  stage: number;
  stage_name: string;
  sessions: number;
  percentage: number;
  drop_rate: number;
}

export function sessionFunnel(allClicks: readonly Click[], allBuys: readonly Buy[], day: string): FunnelStageRef[] {
  const perSession = new Map<number, number>();
  for (const c of onDay(allClicks, day)) perSession.set(c.session, (perSession.get(c.session) ?? 0) + 1);
  const buyers = new Set(onDay(allBuys, day).map((b) => b.session));
  const viewed = perSession.size;
  const engaged = [...perSession.values()].filter((n) => n >= 2).length;
  const purchased = [...perSession.keys()].filter((s) => buyers.has(s)).length;
  const pct = (part: number, whole: number) => (whole === 0 ? 0 : (part / whole) * 100);
  return [
    { stage: 1, stage_name: 'Viewed', sessions: viewed, percentage: 100, drop_rate: 0 },
    { stage: 2, stage_name: 'Engaged', sessions: engaged, percentage: pct(engaged, viewed), drop_rate: pct(viewed - engaged, viewed) },
    { stage: 3, stage_name: 'Purchased', sessions: purchased, percentage: pct(purchased, viewed), drop_rate: pct(engaged - purchased, engaged) },
  ];
}

export interface ItemRef {
  item_id: number;
  category: string;
  click_count: number;
  purchase_count: number;
  revenue: number;
  click_to_purchase_ratio: number;
}

/** Every item clicked or bought on the day, unranked. */
export function itemTotals(allClicks: readonly Click[], allBuys: readonly Buy[], day: string): ItemRef[] {
  const byItem = new Map<number, { clicks: number; buys: number; revenue: number; categories: Map<string, number> }>();
  const entry = (item: number) => {
    let e = byItem.get(item);
    if (!e) byItem.set(item, (e = { clicks: 0, buys: 0, revenue: 0, categories: new Map() }));
    return e;
  };
  for (const c of onDay(allClicks, day)) {
    const e = entry(c.item);
    e.clicks++;
    e.categories.set(c.category, (e.categories.get(c.category) ?? 0) + 1);
  }
  for (const b of onDay(allBuys, day)) {
    const e = entry(b.item);
    e.buys++;
    e.revenue += b.price * b.quantity;
  }
  return [...byItem].map(([item, e]) => {
    // Most frequent category; ties: the smallest string (plain code-unit order).
    let category = '0';
    let best = 0;
    for (const [name, count] of e.categories) {
      if (count > best || (count === best && name < category)) {
        category = name;
        best = count;
      }
    }
    return {
      item_id: item,
      category,
      click_count: e.clicks,
      purchase_count: e.buys,
      revenue: e.revenue,
      click_to_purchase_ratio: e.clicks === 0 ? 0 : e.buys / e.clicks,
    };
  });
}

const byPopularity = <T extends { revenue: number; click_count: number }>(tie: (a: T, b: T) => number) => (a: T, b: T) =>
  b.revenue - a.revenue || b.click_count - a.click_count || tie(a, b);

export function popularItems(allClicks: readonly Click[], allBuys: readonly Buy[], day: string, top = 100): (ItemRef & { rank: number })[] {
  return itemTotals(allClicks, allBuys, day)
    .sort(byPopularity((a, b) => a.item_id - b.item_id))
    .slice(0, top)
    .map((item, i) => ({ rank: i + 1, ...item }));
}

export interface CategoryRef {
  rank: number;
  category: string;
  item_count: number;
  click_count: number;
  purchase_count: number;
  revenue: number;
  click_to_purchase_ratio: number;
}

export function popularCategories(allClicks: readonly Click[], allBuys: readonly Buy[], day: string, top = 20): CategoryRef[] {
  const byCategory = new Map<string, Omit<CategoryRef, 'rank' | 'click_to_purchase_ratio'>>();
  for (const item of itemTotals(allClicks, allBuys, day)) {
    const c = byCategory.get(item.category) ?? { category: item.category, item_count: 0, click_count: 0, purchase_count: 0, revenue: 0 };
    c.item_count++;
    c.click_count += item.click_count;
    c.purchase_count += item.purchase_count;
    c.revenue += item.revenue;
    byCategory.set(item.category, c);
  }
  return [...byCategory.values()]
    .sort(byPopularity((a, b) => (a.category < b.category ? -1 : a.category > b.category ? 1 : 0)))
    .slice(0, top)
    .map((c, i) => ({ rank: i + 1, ...c, click_to_purchase_ratio: c.click_count === 0 ? 0 : c.purchase_count / c.click_count }));
}

export interface TrendingRef {
  rank: number;
  item_id: number;
  recent_clicks: number;
  baseline_clicks: number;
  trend_score: number;
}

const addDays = (day: string, n: number): string => dayOf(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000);

export function trending(allClicks: readonly Click[], day: string, top = 100): TrendingRef[] {
  const baselineDays = new Set([addDays(day, -3), addDays(day, -2), addDays(day, -1)]);
  const counts = new Map<number, { recent: number; before: number }>();
  for (const c of allClicks) {
    const d = dayOf(c.ms);
    if (d !== day && !baselineDays.has(d)) continue;
    const e = counts.get(c.item) ?? { recent: 0, before: 0 };
    if (d === day) e.recent++;
    else e.before++;
    counts.set(c.item, e);
  }
  // Exact ordering by score: compare (r1+1)/(b1/3+1) with (r2+1)/(b2/3+1) by cross-multiplying integers.
  return [...counts]
    .map(([item, e]) => ({ item, ...e }))
    .sort((a, b) => (b.recent + 1) * (a.before + 3) - (a.recent + 1) * (b.before + 3) || b.recent - a.recent || a.item - b.item)
    .slice(0, top)
    .map((e, i) => {
      const baseline = e.before / 3;
      return { rank: i + 1, item_id: e.item, recent_clicks: e.recent, baseline_clicks: baseline, trend_score: (e.recent + 1) / (baseline + 1) };
    });
}
