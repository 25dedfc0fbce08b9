/**
 * The tests' reference calculators (test/reference/daily-reference.ts) on a
 * data set small enough to work out by hand: the oracle is checked before it
 * judges the rollup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ref from '../reference/daily-reference.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-test-'));
const clicksFile = path.join(dir, 'clicks.dat');
const buysFile = path.join(dir, 'buys.dat');
fs.writeFileSync(clicksFile, [
  // session 1: 3 clicks on day 1, 10 s long; item 100 twice (S, 3), item 200 once (3)
  '1,2014-04-01T10:00:00.000Z,100,S',
  '1,2014-04-01T10:00:04.000Z,200,3',
  '1,2014-04-01T10:00:10.000Z,100,3',
  // session 2: 1 click on day 1
  '2,2014-04-01T11:00:00.000Z,100,S',
  // session 3: 2 clicks on day 1, 0.5 s apart, then one just after midnight
  '3,2014-04-01T23:59:59.000Z,300,0',
  '3,2014-04-01T23:59:59.500Z,300,0',
  '3,2014-04-02T00:00:01.000Z,300,0',
].join('\n'));
fs.writeFileSync(buysFile, [
  '1,2014-04-01T10:05:00.000Z,100,50,2', // session 1 buys 2 × 50
  '2,2014-04-01T11:05:00.000Z,200,30,1', // session 2 buys an item it never clicked
  '4,2014-04-01T12:00:00.000Z,400,20,0', // session 4 only buys (quantity unknown: revenue 0)
  '3,2014-04-02T00:01:00.000Z,300,10,3',
].join('\n'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const clicks = ref.readClicks(clicksFile);
const buys = ref.readBuys(buysFile);

describe('reference calculators, worked by hand', () => {
  it('daily metrics', () => {
    const m = ref.dailyMetrics(clicks, buys, '2014-04-01');
    expect(m).toMatchObject({ total_clicks: 6, total_purchases: 3, unique_sessions: 3, unique_items: 3, total_revenue: 130, converted_sessions: 2, purchasing_sessions: 3 });
    expect(m.conversion_rate).toBeCloseTo(2 / 3, 15);
    expect(m.avg_session_duration_sec).toBeCloseTo((10 + 0 + 0.5) / 3, 15);
    expect(m.avg_clicks_per_session).toBe(2);
    expect(m.avg_order_value).toBeCloseTo(130 / 3, 12);
    expect(ref.dailyMetrics(clicks, buys, '2014-04-02')).toMatchObject({ total_clicks: 1, unique_sessions: 1, avg_session_duration_sec: 0, conversion_rate: 1, total_revenue: 30 });
    expect(ref.dailyMetrics(clicks, buys, '2014-04-03')).toMatchObject({ total_clicks: 0, conversion_rate: 0, avg_order_value: 0, avg_session_duration_sec: 0 });
  });

  it('funnel', () => {
    const f = ref.sessionFunnel(clicks, buys, '2014-04-01');
    expect(f.map((s) => s.sessions)).toEqual([3, 2, 2]);
    expect(f[1]!.percentage).toBeCloseTo(200 / 3, 12);
    expect(f[1]!.drop_rate).toBeCloseTo(100 / 3, 12);
    expect(f[2]!.drop_rate).toBe(0);
  });

  it('items, categories (most frequent, ties by smallest string) and ranking', () => {
    expect(ref.popularItems(clicks, buys, '2014-04-01')).toEqual([
      { rank: 1, item_id: 100, category: 'S', click_count: 3, purchase_count: 1, revenue: 100, click_to_purchase_ratio: 1 / 3 },
      { rank: 2, item_id: 200, category: '3', click_count: 1, purchase_count: 1, revenue: 30, click_to_purchase_ratio: 1 },
      { rank: 3, item_id: 300, category: '0', click_count: 2, purchase_count: 0, revenue: 0, click_to_purchase_ratio: 0 },
      { rank: 4, item_id: 400, category: '0', click_count: 0, purchase_count: 1, revenue: 0, click_to_purchase_ratio: 0 },
    ]);
    expect(ref.popularCategories(clicks, buys, '2014-04-01').map((c) => [c.category, c.item_count, c.click_count, c.purchase_count, c.revenue])).toEqual([
      ['S', 1, 3, 1, 100],
      ['3', 1, 1, 1, 30],
      ['0', 2, 2, 1, 0],
    ]);
  });

  it('trending', () => {
    // As of 04-02: item 300 has 1 recent click and 2 in the baseline (2/3 a day); 100 and 200 are cooling down.
    const t = ref.trending(clicks, '2014-04-02');
    expect(t.map((r) => [r.item_id, r.recent_clicks, r.baseline_clicks])).toEqual([[300, 1, 2 / 3], [200, 0, 1 / 3], [100, 0, 1]]);
    expect(t[0]!.trend_score).toBeCloseTo(2 / (5 / 3), 15);
    expect(t[2]!.trend_score).toBeCloseTo(0.5, 15);
  });
});
