/**
 * The dashboard in a real browser (Debian's Chromium, headless) against the
 * real gateway and services seeded with generated data (dashboard-fixture.ts).
 * Each page must show exactly what the API answers — the test asks the API
 * itself and formats the answer with the dashboard's own formatting rules —
 * its filters must change the data and the URL, the live feed must show an
 * anomaly produced during the test, and no page may log a console error.
 * A screenshot of each page goes to artifacts/screenshots/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchBrowser, watchProblems, type BrowserSession, type PageProblems } from './browser.ts';
import { openDashboardFixture, type DashboardFixture } from './dashboard-fixture.ts';
import { panelSettled, screenshot, tableRows, text } from './page-helpers.ts';
import {
  anomalyLabel,
  formatCount,
  formatDecimal,
  formatHour,
  formatInstant,
  formatMoney,
  formatPercent,
  formatRate,
  formatRatio,
  formatSeconds,
} from '../../web/src/lib/format.ts';
import { lastHoursOfClock } from '../../web/src/lib/time-range.ts';

let fixture: DashboardFixture;
let browser: BrowserSession;
let page: Page;
let problems: PageProblems;

const url = (hash: string) => `${fixture.gateway.url}/${hash}`;
const gql = <T>(query: string, variables?: Record<string, unknown>) => fixture.gateway.gql<T>(query, variables);

/** Opens a view by URL (a fresh document each time, as a pasted link would). */
async function open(hash: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(url(hash));
}

beforeAll(async () => {
  fixture = await openDashboardFixture();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  problems = watchProblems(page);
});

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

afterEach(() => {
  // No console errors, uncaught exceptions or failed requests on any page (each test answers for its own).
  expect(problems?.list.splice(0) ?? []).toEqual([]);
});

describe('dashboard (Chromium, real gateway)', () => {
  it('Overview shows the period summary, the last 24 h of anomalies and the data clock as the API answers', async () => {
    const { dataClock } = await gql<{ dataClock: { time: string } }>('{ dataClock { time } }');
    const range = lastHoursOfClock(dataClock.time, 24);
    const api = await gql<{
      summary: { from: string; to: string; daysWithData: number; totalClicks: number; totalPurchases: number; conversionRate: number; totalRevenue: number; avgOrderValue: number };
      anomalyCounts: { type: string; anomalies: number }[];
      health: { dependencies: { name: string; up: boolean }[] };
    }>(
      `query ($from: DateTime, $to: DateTime) {
        summary { from to daysWithData totalClicks totalPurchases conversionRate totalRevenue avgOrderValue }
        anomalyCounts(from: $from, to: $to) { type anomalies }
        health { dependencies { name up } }
      }`,
      range,
    );
    expect(api.summary.totalClicks).toBeGreaterThan(0);
    const recent = api.anomalyCounts.reduce((sum, c) => sum + c.anomalies, 0);
    expect(recent).toBeGreaterThan(0); // the fixture seeds anomalies over the 48 h before the data clock

    await open('#/overview');
    expect(await panelSettled(page, 'overview-summary')).toBe('ready');
    expect(await text(page, '[data-testid="card-clicks-value"]')).toBe(formatCount(api.summary.totalClicks));
    expect(await text(page, '[data-testid="card-purchases-value"]')).toBe(formatCount(api.summary.totalPurchases));
    expect(await text(page, '[data-testid="card-conversion-value"]')).toBe(formatRate(api.summary.conversionRate));
    expect(await text(page, '[data-testid="card-revenue-value"]')).toBe(formatMoney(api.summary.totalRevenue));
    expect(await text(page, '[data-testid="card-anomalies-24h-value"]')).toBe(formatCount(recent));
    expect(await text(page, '[data-testid="card-data-clock-value"]')).toBe(formatInstant(dataClock.time));
    expect(await text(page, '[data-testid="header-data-clock"]')).toBe(formatInstant(dataClock.time));
    expect(await text(page, '[data-testid="overview-summary"] .note')).toContain(`${api.summary.from} to ${api.summary.to}`);
    const health = await tableRows(page, '[data-testid="health-table"]');
    expect(health.map((row) => row[1]?.replace(/^\W*/, ''))).toEqual(api.health.dependencies.map((d) => (d.up ? 'up' : 'down')));
    expect(await text(page, '[data-testid="last-updated"]')).toMatch(/Last updated \d\d:\d\d:\d\d/);
    await screenshot(page, 'overview');
  });

  it('Anomalies shows the first page, the distribution by type and the hourly timeline as the API answers', async () => {
    const api = await gql<{
      anomalies: { totalCount: number; nodes: { sessionId: number; type: string; windowStart: string; clickCount: number; uniqueItems: number }[] };
      anomalyCounts: { type: string; anomalies: number; sessions: number }[];
      anomalyTimeline: { buckets: { hour: string; total: number; byType: { type: string; anomalies: number }[] }[] };
    }>(`{
      anomalies(first: 25) { totalCount nodes { sessionId type windowStart clickCount uniqueItems } }
      anomalyCounts { type anomalies sessions }
      anomalyTimeline(hours: 24) { buckets { hour total byType { type anomalies } } }
    }`);
    expect(api.anomalies.totalCount).toBe(fixture.anomalies.length);

    await open('#/anomalies');
    expect(await panelSettled(page, 'anomaly-table-panel')).toBe('ready');
    const rows = await tableRows(page, '[data-testid="anomaly-table"]');
    expect(rows).toEqual(
      api.anomalies.nodes.map((a) => [String(a.sessionId), anomalyLabel(a.type), formatInstant(a.windowStart), formatCount(a.clickCount), formatCount(a.uniqueItems), expect.any(String)]),
    );
    expect(await text(page, '[data-testid="anomaly-total"]')).toBe(`${formatCount(api.anomalies.totalCount)} anomalies match; showing 25`);

    expect(await panelSettled(page, 'anomaly-types-panel')).toBe('ready');
    expect(await tableRows(page, '[data-testid="anomaly-types-table"]')).toEqual(
      api.anomalyCounts.map((c) => [anomalyLabel(c.type), formatCount(c.anomalies), formatCount(c.sessions)]),
    );

    expect(await panelSettled(page, 'anomaly-timeline-panel')).toBe('ready');
    const count = (b: (typeof api.anomalyTimeline.buckets)[number], type: string) => b.byType.find((c) => c.type === type)?.anomalies ?? 0;
    expect(await tableRows(page, '[data-testid="anomaly-timeline-table"]')).toEqual(
      api.anomalyTimeline.buckets
        .filter((b) => b.total > 0)
        .map((b) => [formatHour(b.hour), formatCount(count(b, 'HIGH_FREQUENCY')), formatCount(count(b, 'BOT_LIKE')), formatCount(b.total)]),
    );
    await screenshot(page, 'anomalies');
  });

  it('Anomaly filters change the table and the URL, and a pasted URL restores them', async () => {
    const byType = await gql<{ anomalies: { totalCount: number; nodes: { sessionId: number }[] } }>(
      '{ anomalies(first: 25, type: BOT_LIKE) { totalCount nodes { sessionId } } }',
    );
    await open('#/anomalies');
    await panelSettled(page, 'anomaly-table-panel');
    await page.selectOption('[data-testid="filter-type"]', 'BOT_LIKE');
    await page.waitForFunction(() => location.hash.includes('type=BOT_LIKE'));
    await page.waitForFunction(
      (total) => document.querySelector('[data-testid="anomaly-total"]')?.textContent?.startsWith(`${total} anomalies`) ?? false,
      formatCount(byType.anomalies.totalCount),
    );
    const types = await page.locator('[data-testid="anomaly-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(new Set(types)).toEqual(new Set(['BOT_LIKE']));
    expect(types).toHaveLength(Math.min(25, byType.anomalies.totalCount));

    // Session filter on top: typed, then Enter.
    const session = fixture.anomalies.find((a) => a.type === 'BOT_LIKE')!.sessionId;
    const bySession = await gql<{ anomalies: { totalCount: number } }>('query ($s: Long) { anomalies(type: BOT_LIKE, sessionId: $s) { totalCount } }', { s: session });
    await page.fill('[data-testid="filter-session"]', String(session));
    await page.press('[data-testid="filter-session"]', 'Enter');
    await page.waitForFunction((s) => location.hash.includes(`session=${s}`), session);
    await page.waitForFunction(
      (total) => document.querySelector('[data-testid="anomaly-total"]')?.textContent?.startsWith(`${total} anomalies`) ?? false,
      formatCount(bySession.anomalies.totalCount),
    );
    const sessions = await page.locator('[data-testid="anomaly-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session')));
    expect(new Set(sessions)).toEqual(new Set([String(session)]));

    // The URL is the state: opening it anew shows the same filtered table.
    const filtered = page.url();
    await page.goto('about:blank');
    await page.goto(filtered);
    await panelSettled(page, 'anomaly-table-panel');
    expect(await page.inputValue('[data-testid="filter-type"]')).toBe('BOT_LIKE');
    expect(await page.inputValue('[data-testid="filter-session"]')).toBe(String(session));
    expect(await text(page, '[data-testid="anomaly-total"]')).toMatch(new RegExp(`^${formatCount(bySession.anomalies.totalCount)} anomalies`));

    // Clearing, then the next page: the rows of the API's second page.
    await page.click('[data-testid="filter-clear"]');
    await page.waitForFunction(() => !location.hash.includes('type=') && !location.hash.includes('session='));
    const first = await gql<{ anomalies: { pageInfo: { endCursor: string } } }>('{ anomalies(first: 25) { pageInfo { endCursor } } }');
    const second = await gql<{ anomalies: { nodes: { sessionId: number; type: string }[] } }>(
      'query ($after: String) { anomalies(first: 25, after: $after) { nodes { sessionId type } } }',
      { after: first.anomalies.pageInfo.endCursor },
    );
    await panelSettled(page, 'anomaly-table-panel');
    await page.click('[data-testid="page-next"]');
    await page.waitForFunction(() => location.hash.includes('after='));
    await page.waitForFunction(
      (expected) => [...document.querySelectorAll('[data-testid="anomaly-row"]')].map((r) => `${r.getAttribute('data-session')}:${r.getAttribute('data-type')}`).join() === expected,
      second.anomalies.nodes.map((a) => `${a.sessionId}:${a.type}`).join(),
    );

    // Sorting by clicks orders the rows of the page by that column.
    await page.click('[data-testid="sort-clickCount"]');
    await page.waitForFunction(() => location.hash.includes('sort=clickCount'));
    const clicks = (await tableRows(page, '[data-testid="anomaly-table"]')).map((row) => Number(row[3]!.replace(/,/g, '')));
    expect(clicks).toEqual([...clicks].sort((a, b) => b - a));
    expect(await page.getAttribute('th[aria-sort="descending"] button', 'data-testid')).toBe('sort-clickCount');
  });

  it('A session opens as a drill-down with its events and anomalies as the API answers', async () => {
    const session = fixture.anomalies[0]!.sessionId;
    const api = await gql<{ session: { clickCount: number; purchaseCount: number; anomalies: unknown[] } }>(
      'query ($id: Long!) { session(id: $id) { clickCount purchaseCount anomalies { type } } }',
      { id: session },
    );
    await open('#/anomalies');
    await panelSettled(page, 'anomaly-table-panel');
    await page.click(`[data-testid="anomaly-row"][data-session="${session}"] button`);
    await page.waitForFunction((s) => location.hash.includes(`detail=${s}`), session);
    expect(await panelSettled(page, 'session-detail')).toBe('ready');
    expect(await text(page, '[data-testid="session-clicks"]')).toBe(formatCount(api.session.clickCount));
    expect(await text(page, '[data-testid="session-purchases"]')).toBe(formatCount(api.session.purchaseCount));
    expect(await tableRows(page, '[data-testid="session-anomalies"]')).toHaveLength(api.session.anomalies.length);
    await screenshot(page, 'anomalies-session');
    await page.click('[data-testid="session-close"]');
    await page.waitForFunction(() => !location.hash.includes('detail='));
  });

  it('The live feed shows an anomaly produced to Kafka during the test', async () => {
    await open('#/anomalies');
    await page.waitForSelector('[data-testid="live-feed"][data-status="open"]', { timeout: 30_000 });
    await fixture.gateway.feedReady;
    const sessionId = 990_000_000_000 + Math.floor(Math.random() * 1_000_000);
    const start = Math.floor(Date.parse('2014-04-05T23:00:00Z') / 10_000) * 10_000;
    // The feed starts at the end of the topic once its consumer has its partitions; produce until one arrives.
    const deadline = Date.now() + 60_000;
    let attempt = 0;
    while (Date.now() < deadline) {
      await fixture.anomalyProducer.send({ sessionId, type: 'HIGH_FREQUENCY', windowStart: start + attempt * 10_000, windowEnd: start + (attempt + 1) * 10_000, clickCount: 77, uniqueItems: 4 });
      attempt += 1;
      const shown = await page
        .waitForSelector(`[data-testid="live-item"][data-session="${sessionId}"]`, { timeout: 3000 })
        .then(() => true, () => false);
      if (shown) break;
    }
    const item = page.locator(`[data-testid="live-item"][data-session="${sessionId}"]`).first();
    await item.waitFor({ timeout: 1000 });
    expect(await item.textContent()).toContain('77 clicks, 4 items');
    expect(await item.getAttribute('data-type')).toBe('HIGH_FREQUENCY');
    await screenshot(page, 'anomalies-live');
  });

  it('Daily metrics shows every day of the range as the API answers', async () => {
    const api = await gql<{
      dailyMetrics: {
        date: string; source: string; totalClicks: number; totalPurchases: number; uniqueSessions: number; uniqueItems: number; conversionRate: number;
        avgSessionDurationSec: number; avgClicksPerSession: number; totalRevenue: number; avgOrderValue: number;
      }[];
    }>(`{ dailyMetrics(from: "2014-04-01", to: "2014-04-06") {
      date source totalClicks totalPurchases uniqueSessions uniqueItems conversionRate avgSessionDurationSec avgClicksPerSession totalRevenue avgOrderValue } }`);
    expect(api.dailyMetrics.length).toBeGreaterThanOrEqual(4);

    await open('#/daily?from=2014-04-01&to=2014-04-06');
    expect(await panelSettled(page, 'daily-table-panel')).toBe('ready');
    expect(await tableRows(page, '[data-testid="daily-table"]')).toEqual(
      api.dailyMetrics.map((d) => [
        d.source === 'LIVE' ? `${d.date} live` : d.date,
        formatCount(d.totalClicks),
        formatCount(d.totalPurchases),
        formatCount(d.uniqueSessions),
        formatCount(d.uniqueItems),
        formatRate(d.conversionRate),
        formatSeconds(d.avgSessionDurationSec),
        formatDecimal(d.avgClicksPerSession),
        formatMoney(d.totalRevenue),
        formatMoney(d.avgOrderValue),
      ]),
    );
    for (const id of ['daily-volume', 'daily-conversion', 'daily-duration', 'daily-revenue']) {
      expect(await panelSettled(page, id)).toBe('ready');
      expect(await page.locator(`[data-testid="${id}"] canvas`).count()).toBeGreaterThan(0);
    }
    await screenshot(page, 'daily');
    // Narrowing the range with the date input changes the table and the URL.
    await page.fill('[data-testid="daily-from"]', '2014-04-03');
    await page.waitForFunction(() => location.hash.includes('from=2014-04-03'));
    await page.waitForFunction(() => document.querySelector('[data-testid="daily-row"]')?.getAttribute('data-day') === '2014-04-03');
  });

  it('Funnel compares two days as the API answers', async () => {
    type FunnelAnswer = { funnel: { stages: { name: string; sessions: number; percentage: number; dropRate: number }[] } };
    const one = await gql<FunnelAnswer>('{ funnel(date: "2014-04-02") { stages { name sessions percentage dropRate } } }');
    const two = await gql<FunnelAnswer>('{ funnel(date: "2014-04-01") { stages { name sessions percentage dropRate } } }');
    const expected = (f: FunnelAnswer) => f.funnel.stages.map((s, i) => [`${i + 1}. ${s.name}`, formatCount(s.sessions), formatPercent(s.percentage), formatPercent(s.dropRate)]);

    await open('#/funnel?date=2014-04-02&compare=2014-04-01');
    expect(await panelSettled(page, 'funnel-main')).toBe('ready');
    expect(await tableRows(page, '[data-testid="funnel-main-table"]')).toEqual(expected(one));
    expect(await tableRows(page, '[data-testid="funnel-other-table"]')).toEqual(expected(two));
    const delta = await tableRows(page, '[data-testid="funnel-delta-table"]');
    expect(delta.map((row) => row.slice(0, 3))).toEqual(one.funnel.stages.map((s, i) => [s.name, formatCount(s.sessions), formatCount(two.funnel.stages[i]!.sessions)]));
    await screenshot(page, 'funnel');

    // The swap button exchanges the days (URL and tables).
    await page.click('[data-testid="funnel-swap"]');
    await page.waitForFunction(() => location.hash.includes('date=2014-04-01') && location.hash.includes('compare=2014-04-02'));
    await panelSettled(page, 'funnel-main');
    expect(await tableRows(page, '[data-testid="funnel-main-table"]')).toEqual(expected(two));
  });

  it('Popular items shows the top items, categories and trending items of the day as the API answers', async () => {
    const api = await gql<{
      popularItems: { rank: number; itemId: number; clickCount: number; purchaseCount: number; revenue: number; clickToPurchaseRatio: number }[];
      popularCategories: { itemCount: number; clickCount: number; purchaseCount: number; revenue: number }[];
      trendingItems: { items: { rank: number; itemId: number; recentClicks: number; baselineClicks: number; trendScore: number }[] };
    }>(`{
      popularItems(date: "2014-04-02", limit: 10) { rank itemId clickCount purchaseCount revenue clickToPurchaseRatio }
      popularCategories(date: "2014-04-02", limit: 20) { itemCount clickCount purchaseCount revenue }
      trendingItems(date: "2014-04-02", limit: 10) { items { rank itemId recentClicks baselineClicks trendScore } }
    }`);
    expect(api.popularItems).toHaveLength(10);

    await open('#/popular?date=2014-04-02');
    expect(await panelSettled(page, 'popular-items')).toBe('ready');
    const items = await tableRows(page, '[data-testid="popular-items-table"]');
    expect(items.map((row) => [row[0], row[1], ...row.slice(3)])).toEqual(
      api.popularItems.map((i) => [String(i.rank), String(i.itemId), formatCount(i.clickCount), formatCount(i.purchaseCount), formatMoney(i.revenue), formatRatio(i.clickToPurchaseRatio)]),
    );
    const categories = await tableRows(page, '[data-testid="popular-categories-table"]');
    expect(categories.map((row) => row.slice(1))).toEqual(
      api.popularCategories.map((c) => [formatCount(c.itemCount), formatCount(c.clickCount), formatCount(c.purchaseCount), formatMoney(c.revenue)]),
    );
    expect(await tableRows(page, '[data-testid="trending-table"]')).toEqual(
      api.trendingItems.items.map((t) => [String(t.rank), String(t.itemId), formatCount(t.recentClicks), formatDecimal(t.baselineClicks), formatDecimal(t.trendScore)]),
    );
    expect(await panelSettled(page, 'popular-scatter')).toBe('ready');
    await screenshot(page, 'popular');

    // A rolled-up day without events: every panel says so instead of drawing nothing.
    await page.click('button[aria-label="Next day"]');
    await page.click('button[aria-label="Next day"]');
    await page.waitForFunction(() => location.hash.includes('date=2014-04-04'));
    expect(await panelSettled(page, 'popular-items')).toBe('empty');
  });

  it('Pipeline shows consumer lag, dead letters and rollup runs as the API answers', async () => {
    const api = await gql<{
      pipelineStatus: { consumerGroups: { groupId: string; topic: string; totalLag: number }[]; rollupRuns: { date: string; step: string; status: string }[] };
    }>('{ pipelineStatus { consumerGroups { groupId topic totalLag } rollupRuns(limit: 20) { date step status } } }');
    expect(api.pipelineStatus.rollupRuns.length).toBeGreaterThan(0);

    await open('#/pipeline');
    expect(await panelSettled(page, 'pipeline-rollups')).toBe('ready');
    expect((await tableRows(page, '[data-testid="rollup-table"]')).map((row) => [row[0], row[1], row[2]])).toEqual(
      api.pipelineStatus.rollupRuns.map((r) => [r.date, r.step, r.status]),
    );
    expect(await panelSettled(page, 'pipeline-lag')).toBe('ready');
    const lag = await tableRows(page, '[data-testid="lag-table"]');
    expect(lag.map((row) => [row[1], row[2]])).toEqual(api.pipelineStatus.consumerGroups.map((g) => [g.groupId, g.topic]));
    // Lag moves while other processes consume; the shown value is one the API gave at about that time.
    expect(lag.every((row) => /^[\d,]+$/.test(row[5] ?? ''))).toBe(true);
    expect(await panelSettled(page, 'pipeline-dlq')).toBe('ready');
    expect(await text(page, '[data-testid="dlq-messages"]')).toMatch(/^[\d,]+ messages?$|^unreadable/);
    await screenshot(page, 'pipeline');
  });

  it('Pages are reachable by keyboard and every control has a label', async () => {
    await open('#/overview');
    await panelSettled(page, 'overview-summary');
    await page.focus('[data-testid="nav-funnel"]');
    await page.keyboard.press('Enter');
    // The hash changes first; the router renders the page and moves the focus a moment later.
    await page.waitForFunction(() => location.hash.startsWith('#/funnel') && document.querySelector('h1')?.textContent?.trim() === 'Funnel', null, { timeout: 10_000 }).catch(() => undefined);
    expect(await text(page, 'h1')).toBe('Funnel');
    await page.waitForFunction(() => document.activeElement?.id === 'main', null, { timeout: 5_000 }).catch(() => undefined);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    for (const hash of ['#/overview', '#/anomalies', '#/daily', '#/funnel', '#/popular', '#/pipeline']) {
      await open(hash);
      await page.waitForSelector('main [data-state]', { timeout: 30_000 });
      const unlabelled = await page.evaluate(() =>
        [...document.querySelectorAll('input, select, button')]
          .filter((el) => {
            const labelled = el.closest('label') !== null || el.getAttribute('aria-label') || (el as HTMLInputElement).labels?.length;
            const named = el.tagName === 'BUTTON' && (el.textContent ?? '').trim() !== '';
            return !labelled && !named;
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unlabelled, hash).toEqual([]);
    }
  });

  it('Auto-refresh reloads every 30 s, and the pause switch stops it', async () => {
    await page.clock.install();
    await open('#/pipeline');
    await panelSettled(page, 'pipeline-rollups');
    let requests = 0;
    const count = (request: { url(): string; method(): string }) => {
      if (request.method() === 'POST' && request.url().endsWith('/graphql')) requests += 1;
    };
    page.on('request', count);
    await page.clock.runFor(31_000);
    await page.waitForFunction(() => document.querySelector('[data-testid="pipeline-rollups"]')?.getAttribute('aria-busy') === 'false');
    expect(requests).toBeGreaterThan(0);

    await page.uncheck('[data-testid="auto-refresh"]');
    expect(await text(page, 'label.switch:has([data-testid="auto-refresh"])')).toContain('(paused)');
    requests = 0;
    await page.clock.runFor(65_000);
    expect(requests).toBe(0);
    await page.check('[data-testid="auto-refresh"]');
    page.off('request', count);
  });

  it('Works at phone width without sideways scrolling', async () => {
    const phone = await browser.context.newPage();
    const phoneProblems = watchProblems(phone);
    await phone.setViewportSize({ width: 390, height: 844 });
    for (const [name, hash] of [['overview', '#/overview'], ['anomalies', '#/anomalies'], ['daily', '#/daily?from=2014-04-01&to=2014-04-06'], ['popular', '#/popular?date=2014-04-02']] as const) {
      await phone.goto(url(hash));
      await phone.waitForSelector('main [data-state="ready"]', { timeout: 30_000 });
      await phone.waitForTimeout(300);
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, name).toBeLessThanOrEqual(0);
      if (name === 'overview' || name === 'anomalies') await screenshot(phone, `${name}-phone`);
    }
    await phone.close();
    expect(phoneProblems.list).toEqual([]);
  });

  it('Asks for an API key when the gateway wants one, and uses it', async () => {
    const key = 'e2e-dashboard-key-0123456789';
    const guarded = await fixture.startGatewayWithApiKey(key);
    const keyed = await browser.context.newPage();
    const keyedProblems = watchProblems(keyed);
    keyedProblems.allow(/status of 401/); // the refused requests before the key is given
    try {
      await keyed.goto(`${guarded.url}/#/pipeline`);
      await keyed.waitForSelector('[data-testid="api-key-form"]', { timeout: 30_000 });
      await keyed.fill('[data-testid="api-key-form"] input', key);
      await keyed.press('[data-testid="api-key-form"] input', 'Enter');
      await keyed.waitForSelector('[data-testid="api-key-form"]', { state: 'detached', timeout: 30_000 });
      expect(await panelSettled(keyed, 'pipeline-rollups')).toBe('ready');
      expect(keyedProblems.list).toEqual([]);
    } finally {
      await keyed.evaluate(() => localStorage.removeItem('guardian.apiKey')).catch(() => undefined);
      await keyed.close();
      await guarded.stop();
    }
  });

  it('Says clearly when the gateway is down, and recovers when it is back', async () => {
    const down = await browser.context.newPage();
    const downProblems = watchProblems(down);
    await down.goto(url('#/anomalies'));
    await panelSettled(down, 'anomaly-table-panel');
    // From here on, requests fail by design (refused, or the live stream cut): only other problems count.
    downProblems.allow(/^request failed: .*\/graphql net::ERR_/);
    downProblems.allow(/^console\.error: Failed to load resource: net::ERR_/);
    await fixture.stopGateway();
    await down.click('[data-testid="refresh-now"]');
    await down.waitForSelector('[data-testid="gateway-down"]', { timeout: 30_000 });
    expect(await text(down, '[data-testid="gateway-down"]')).toContain('The GraphQL gateway is not reachable');
    // The earlier numbers stay, marked as stale, instead of a blank page.
    const rows = await down.locator('[data-testid="anomaly-row"]').count();
    expect(rows).toBeGreaterThan(0);
    expect(await text(down, '[data-testid="anomaly-table-panel"] [data-testid="panel-error"]')).toContain('showing earlier data');
    await screenshot(down, 'gateway-down');

    await fixture.restartGateway();
    await down.click('[data-testid="gateway-down"] button');
    await down.waitForSelector('[data-testid="gateway-down"]', { state: 'detached', timeout: 30_000 });
    await down.waitForSelector('[data-testid="anomaly-table-panel"] [data-testid="panel-error"]', { state: 'detached', timeout: 30_000 });
    expect(await panelSettled(down, 'anomaly-table-panel')).toBe('ready');
    await down.close();
    expect(downProblems.list).toEqual([]);
  });
});
