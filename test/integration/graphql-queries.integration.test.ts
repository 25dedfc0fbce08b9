/**
 * The gateway's queries over real HTTP against real ClickHouse and
 * PostgreSQL, in a private database and schema seeded by the test: every
 * number equals what SPEC §3–7 defines, computed here independently from
 * the seeded rows (the `.dat` reference calculators and plain TypeScript
 * over the anomaly rows) — integers exactly, ratios within 1e-9.
 *
 * Data: five generated days (2014-04-01..05, see test/reference/rollup-
 * fixture.ts), the first four rolled up and the fifth left to the live
 * aggregates; anomalies written straight into the private anomaly_sessions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatFile } from '../../clickhouse/load-dat.ts';
import { rollupDays } from '../../clickhouse/rollup/run-range.ts';
import { createLogger } from '../../lib/logger.ts';
import type { Gateway } from '../../graphql/server.ts';
import { openSandbox, type Sandbox } from '../clickhouse-sandbox.ts';
import { createDetectorSchema } from '../detector-helpers.ts';
import { gql, gqlData, metricValue, startTestGateway } from '../gateway-harness.ts';
import { config, uniqueName } from '../helpers.ts';
import * as ref from '../reference/daily-reference.ts';
import { FIXTURE_DAYS, NO_DATA_DAY, writeFixture, type Fixture } from '../reference/rollup-fixture.ts';

const ROLLED_UP = FIXTURE_DAYS.slice(0, 4);
const LIVE_DAY = FIXTURE_DAYS[4];
const HOUR = 3_600_000;
const FLOAT_KEYS = new Set(['conversionRate', 'avgSessionDurationSec', 'avgClicksPerSession', 'avgOrderValue', 'percentage', 'dropRate', 'clickToPurchaseRatio', 'baselineClicks', 'trendScore']);

let fixture: Fixture;
let clicks: ref.Click[];
let buys: ref.Buy[];
let sandbox: Sandbox;
let postgres: { schema: string; pool: pg.Pool; drop(): Promise<void> };
let gateway: Gateway;
let staticDir: string;
let anomalies: SeededAnomaly[];
let dataClock: number;

interface SeededAnomaly {
  sessionId: number;
  type: 'HIGH_FREQUENCY' | 'BOT_LIKE';
  windowStart: number;
  windowEnd: number;
  clickCount: number;
  uniqueItems: number;
  detectedAt: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => iso(ms).slice(0, 10);
const camel = (key: string) => (key === 'stage_name' ? 'name' : key === 'day' ? 'date' : key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
/** A reference row (snake_case) in the API's field names. */
const api = (row: object): Record<string, unknown> => Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v]));

/** Field-by-field differences: exact, except ratios within 1e-9. */
function differences(actual: Record<string, unknown> | undefined, expected: Record<string, unknown>, where: string): string[] {
  return Object.entries(expected).flatMap(([key, want]) => {
    const got = actual?.[key];
    const same = FLOAT_KEYS.has(key) ? typeof got === 'number' && Math.abs(got - Number(want)) <= 1e-9 : got === want;
    return same ? [] : [`${where} ${key}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`];
  });
}

function compareLists(actual: Record<string, unknown>[], expected: Record<string, unknown>[], where: string): string[] {
  const problems = actual.length === expected.length ? [] : [`${where}: ${actual.length} rows, expected ${expected.length}`];
  expected.forEach((row, i) => problems.push(...differences(actual[i], row, `${where} #${i + 1}`)));
  return problems;
}

/** Anomalies spread over the two days before the data clock, with ties on window start and on session. */
function seedAnomalies(clock: number, sessions: readonly number[]): SeededAnomaly[] {
  const clockHour = Math.floor(clock / HOUR) * HOUR;
  const rows: SeededAnomaly[] = [];
  for (let i = 0; i < 24; i++) {
    const type = i % 3 === 0 ? 'BOT_LIKE' : 'HIGH_FREQUENCY';
    const windowStart = clockHour - Math.floor(i / 2) * 3 * HOUR - (i % 2) * 30_000 + HOUR / 2;
    rows.push({
      sessionId: sessions[i % sessions.length]!,
      type,
      windowStart,
      windowEnd: windowStart + (type === 'BOT_LIKE' ? 60_000 : 10_000),
      clickCount: 50 + i,
      uniqueItems: 1 + (i % 5),
      detectedAt: clock + 1000 * i,
    });
  }
  // Same window start, two sessions; and one session tripping both rules in one window.
  const tie = clockHour - 5 * HOUR;
  rows.push(
    { sessionId: sessions[0]!, type: 'HIGH_FREQUENCY', windowStart: tie, windowEnd: tie + 10_000, clickCount: 70, uniqueItems: 2, detectedAt: clock },
    { sessionId: sessions[1]!, type: 'HIGH_FREQUENCY', windowStart: tie, windowEnd: tie + 10_000, clickCount: 71, uniqueItems: 3, detectedAt: clock },
    { sessionId: sessions[1]!, type: 'BOT_LIKE', windowStart: tie, windowEnd: tie + 60_000, clickCount: 120, uniqueItems: 3, detectedAt: clock },
  );
  // Long before the timeline's window.
  rows.push({ sessionId: sessions[2]!, type: 'BOT_LIKE', windowStart: clockHour - 200 * HOUR, windowEnd: clockHour - 200 * HOUR + 60_000, clickCount: 130, uniqueItems: 1, detectedAt: clock });
  return rows;
}

/** SPEC order of the list: newest window first, then session id and type descending. */
const listOrder = (a: SeededAnomaly, b: SeededAnomaly) => b.windowStart - a.windowStart || b.sessionId - a.sessionId || (a.type < b.type ? 1 : a.type > b.type ? -1 : 0);
const asApi = (a: SeededAnomaly) => ({ ...a, windowStart: iso(a.windowStart), windowEnd: iso(a.windowEnd), detectedAt: iso(a.detectedAt) });
/** An epoch-ms parameter as an exact timestamptz. */
const at = (n: number) => `(timestamptz 'epoch' + $${n}::bigint * interval '1 millisecond')`;
const ANOMALY_FIELDS = 'sessionId type windowStart windowEnd clickCount uniqueItems detectedAt';

beforeAll(async () => {
  fixture = await writeFixture(2500, 23);
  clicks = ref.readClicks(fixture.clicksFile);
  buys = ref.readBuys(fixture.buysFile);
  dataClock = Math.max(...clicks.map((c) => c.ms), ...buys.map((b) => b.ms));

  sandbox = await openSandbox('test_gateway');
  await loadDatFile(sandbox.client, { kind: 'clicks', file: fixture.clicksFile });
  await loadDatFile(sandbox.client, { kind: 'purchases', file: fixture.buysFile });
  const rollup = await rollupDays({ client: sandbox.client, logger: createLogger('gateway-test') }, ROLLED_UP, { attempts: 1, retryDelayMs: 0, runId: randomUUID() });
  expect(rollup.ok).toBe(true);

  postgres = await createDetectorSchema(config, uniqueName('gw_test'));
  const sessions = [9000002, 9000003, ...new Set(ref.onDay(clicks, LIVE_DAY).map((c) => c.session))].slice(0, 7);
  anomalies = seedAnomalies(dataClock, sessions);
  for (const a of anomalies) {
    await postgres.pool.query(
      `INSERT INTO ${postgres.schema}.anomaly_sessions (session_id, anomaly_type, window_start, window_end, click_count, unique_items, detected_at)
       VALUES ($1, $2, ${at(3)}, ${at(4)}, $5, $6, ${at(7)})`,
      [a.sessionId, a.type, a.windowStart, a.windowEnd, a.clickCount, a.uniqueItems, a.detectedAt],
    );
  }

  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-static-'));
  fs.mkdirSync(path.join(staticDir, 'assets'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>dashboard</title>');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app-1234.js'), 'console.log(1)');

  gateway = await startTestGateway({ CLICKHOUSE_DATABASE: sandbox.database, DETECTOR_PG_SCHEMA: postgres.schema }, { staticDir });
});

afterAll(async () => {
  await gateway?.close();
  await sandbox?.drop();
  await postgres?.drop();
  if (fixture) fs.rmSync(fixture.dir, { recursive: true, force: true });
  if (staticDir) fs.rmSync(staticDir, { recursive: true, force: true });
});

describe('daily metrics, funnel and summary (SPEC §4–5)', () => {
  const DAILY_FIELDS = `date source totalClicks totalPurchases uniqueSessions uniqueItems conversionRate avgSessionDurationSec
    avgClicksPerSession totalRevenue avgOrderValue convertedSessions purchasingSessions`;

  it('dailyMetrics: every day with data, rolled-up days from the rollup and the newest from the live aggregates', async () => {
    const { dailyMetrics } = await gqlData<{ dailyMetrics: Record<string, unknown>[] }>(
      gateway.url,
      `query($from: Date!, $to: Date!) { dailyMetrics(from: $from, to: $to) { ${DAILY_FIELDS} } }`,
      { from: '2014-03-30', to: '2014-04-09' },
    );
    const expected = FIXTURE_DAYS.map((day) => ({ ...api(ref.dailyMetrics(clicks, buys, day)), date: day, source: day === LIVE_DAY ? 'LIVE' : 'ROLLUP' }));
    expect(compareLists(dailyMetrics, expected, 'dailyMetrics')).toEqual([]);
    expect(ref.dailyMetrics(clicks, buys, LIVE_DAY).total_purchases).toBeGreaterThan(0);
  });

  it('dailyMetricsForDate: one day, and NOT_FOUND for a day without data or rollup', async () => {
    const day = '2014-04-02';
    const { dailyMetricsForDate } = await gqlData<{ dailyMetricsForDate: Record<string, unknown> }>(gateway.url, `{ dailyMetricsForDate(date: "${day}") { ${DAILY_FIELDS} } }`);
    expect(differences(dailyMetricsForDate, { ...api(ref.dailyMetrics(clicks, buys, day)), date: day, source: 'ROLLUP' }, day)).toEqual([]);
    const missing = await gql(gateway.url, '{ dailyMetricsForDate(date: "2014-05-01") { date } }');
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'date' });
    expect(missing.errors?.[0]?.message).toMatch(/^date: .*2014-05-01/);
  });

  it('funnel: the nested stages, from the rollup and from the live aggregates', async () => {
    for (const day of [...ROLLED_UP, LIVE_DAY]) {
      const { funnel } = await gqlData<{ funnel: { date: string; source: string; stages: Record<string, unknown>[] } }>(
        gateway.url,
        `{ funnel(date: "${day}") { date source stages { stage name sessions percentage dropRate } } }`,
      );
      expect(funnel.date).toBe(day);
      expect(funnel.source).toBe(day === LIVE_DAY ? 'LIVE' : 'ROLLUP');
      expect(compareLists(funnel.stages, ref.sessionFunnel(clicks, buys, day).map(api), `funnel ${day}`)).toEqual([]);
    }
    expect((await gql(gateway.url, '{ funnel(date: "2014-05-01") { date } }')).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('summary: sums and ratios of the daily rows, distinct sessions and items over the period', async () => {
    const expectFor = (days: readonly string[]) => {
      const daily = days.map((day) => ({ day, ...ref.dailyMetrics(clicks, buys, day) }));
      const total = (pick: (d: ref.DailyMetricsRef) => number) => daily.reduce((s, d) => s + pick(d), 0);
      const inPeriod = clicks.filter((c) => days.includes(dayOf(c.ms)));
      const sessionDays = total((d) => d.unique_sessions);
      const busiest = daily.reduce((best, d) => (d.total_clicks > best.total_clicks ? d : best));
      return {
        from: days[0],
        to: days.at(-1),
        daysWithData: daily.filter((d) => d.total_clicks > 0 || d.total_purchases > 0).length,
        totalClicks: total((d) => d.total_clicks),
        totalPurchases: total((d) => d.total_purchases),
        totalRevenue: total((d) => d.total_revenue),
        uniqueSessions: new Set(inPeriod.map((c) => c.session)).size,
        uniqueItems: new Set(inPeriod.map((c) => c.item)).size,
        sessionDays,
        conversionRate: total((d) => d.converted_sessions) / sessionDays,
        avgClicksPerSession: total((d) => d.total_clicks) / sessionDays,
        avgSessionDurationSec: total((d) => d.avg_session_duration_sec * d.unique_sessions) / sessionDays,
        avgOrderValue: total((d) => d.total_revenue) / total((d) => d.purchasing_sessions),
        busiestDay: busiest.day,
      };
    };
    const fields = `from to daysWithData totalClicks totalPurchases totalRevenue uniqueSessions uniqueItems sessionDays
      conversionRate avgClicksPerSession avgSessionDurationSec avgOrderValue busiestDay { date }`;
    const whole = (await gqlData<{ summary: Record<string, unknown> & { busiestDay: { date: string } } }>(gateway.url, `{ summary { ${fields} } }`)).summary;
    expect(differences({ ...whole, busiestDay: whole.busiestDay.date }, expectFor(FIXTURE_DAYS), 'summary')).toEqual([]);
    const part = (await gqlData<{ summary: Record<string, unknown> & { busiestDay: { date: string } } }>(gateway.url, `{ summary(from: "2014-04-02", to: "2014-04-03") { ${fields} } }`)).summary;
    expect(differences({ ...part, busiestDay: part.busiestDay.date }, expectFor(['2014-04-02', '2014-04-03']), 'summary 02..03')).toEqual([]);
  });
});

describe('items, categories and trending (SPEC §6)', () => {
  it('popularItems: the ranking, with its limit', async () => {
    const day = '2014-04-02';
    const query = `query($date: Date!, $limit: Int) { popularItems(date: $date, limit: $limit) { rank itemId category clickCount purchaseCount revenue clickToPurchaseRatio } }`;
    const all = (await gqlData<{ popularItems: Record<string, unknown>[] }>(gateway.url, query, { date: day, limit: 100 })).popularItems;
    expect(compareLists(all, ref.popularItems(clicks, buys, day).map(api), 'popularItems')).toEqual([]);
    const top = (await gqlData<{ popularItems: Record<string, unknown>[] }>(gateway.url, query, { date: day, limit: 7 })).popularItems;
    expect(compareLists(top, ref.popularItems(clicks, buys, day, 7).map(api), 'popularItems top 7')).toEqual([]);
  });

  it('popularCategories', async () => {
    for (const day of ['2014-04-01', '2014-04-02']) {
      const { popularCategories } = await gqlData<{ popularCategories: Record<string, unknown>[] }>(
        gateway.url,
        `{ popularCategories(date: "${day}") { rank category itemCount clickCount purchaseCount revenue clickToPurchaseRatio } }`,
      );
      expect(compareLists(popularCategories, ref.popularCategories(clicks, buys, day).map(api), `popularCategories ${day}`)).toEqual([]);
    }
  });

  it('trendingItems: for a day, and by default for the latest rolled-up day', async () => {
    const fields = 'date items { rank itemId recentClicks baselineClicks trendScore }';
    const day = '2014-04-03';
    const { trendingItems } = await gqlData<{ trendingItems: { date: string; items: Record<string, unknown>[] } }>(gateway.url, `{ trendingItems(date: "${day}", limit: 50) { ${fields} } }`);
    expect(trendingItems.date).toBe(day);
    expect(compareLists(trendingItems.items, ref.trending(clicks, day, 50).map(api), 'trending')).toEqual([]);
    const latest = (await gqlData<{ trendingItems: { date: string; items: Record<string, unknown>[] } }>(gateway.url, `{ trendingItems { ${fields} } }`)).trendingItems;
    expect(latest.date).toBe(ROLLED_UP.at(-1));
    expect(compareLists(latest.items, ref.trending(clicks, latest.date, 20).map(api), 'trending latest')).toEqual([]);
  });

  it('a rolled-up day without data is an empty list; a day never rolled up is NOT_FOUND', async () => {
    expect((await gqlData<{ popularItems: unknown[] }>(gateway.url, `{ popularItems(date: "${NO_DATA_DAY}") { rank } }`)).popularItems).toEqual([]);
    const missing = await gql(gateway.url, `{ popularItems(date: "${LIVE_DAY}") { rank } }`);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'date' });
    expect(missing.errors?.[0]?.message).toContain(`guardian rollup --day ${LIVE_DAY}`);
  });
});

describe('anomalies (SPEC §3, §7)', () => {
  it('pages through every anomaly in order with cursors, and counts them', async () => {
    const seen: Record<string, unknown>[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: { anomalies: { totalCount: number; nodes: Record<string, unknown>[]; edges: { cursor: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await gqlData(
        gateway.url,
        `query($after: String) { anomalies(first: 4, after: $after) { totalCount nodes { ${ANOMALY_FIELDS} } edges { cursor } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      pages++;
      expect(page.anomalies.totalCount).toBe(anomalies.length);
      expect(page.anomalies.pageInfo.endCursor).toBe(page.anomalies.edges.at(-1)?.cursor ?? null);
      seen.push(...page.anomalies.nodes);
      if (!page.anomalies.pageInfo.hasNextPage) break;
      after = page.anomalies.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(anomalies.length / 4));
    expect(seen).toEqual([...anomalies].sort(listOrder).map(asApi));
  });

  it('filters by type, session and window-start range', async () => {
    const from = dataClock - 10 * HOUR;
    const to = dataClock - 2 * HOUR;
    const session = anomalies[1]!.sessionId;
    const { byType, bySession, byRange } = await gqlData<Record<'byType' | 'bySession' | 'byRange', { totalCount: number; nodes: Record<string, unknown>[] }>>(
      gateway.url,
      `query($s: Long, $from: DateTime, $to: DateTime) {
        byType: anomalies(type: BOT_LIKE, first: 500) { totalCount nodes { ${ANOMALY_FIELDS} } }
        bySession: anomalies(sessionId: $s) { totalCount nodes { ${ANOMALY_FIELDS} } }
        byRange: anomalies(from: $from, to: $to) { totalCount nodes { ${ANOMALY_FIELDS} } }
      }`,
      { s: session, from: iso(from), to: iso(to) },
    );
    const expectList = (keep: (a: SeededAnomaly) => boolean) => anomalies.filter(keep).sort(listOrder).map(asApi);
    expect(byType.nodes).toEqual(expectList((a) => a.type === 'BOT_LIKE'));
    expect(byType.totalCount).toBe(byType.nodes.length);
    expect(bySession.nodes).toEqual(expectList((a) => a.sessionId === session));
    expect(byRange.nodes).toEqual(expectList((a) => a.windowStart >= from && a.windowStart < to));
    expect(byRange.nodes.length).toBeGreaterThan(0);
  });

  it('anomalyCounts: rows and distinct sessions per type', async () => {
    const { anomalyCounts } = await gqlData<{ anomalyCounts: unknown[] }>(gateway.url, '{ anomalyCounts { type anomalies sessions } }');
    expect(anomalyCounts).toEqual(
      (['HIGH_FREQUENCY', 'BOT_LIKE'] as const).map((type) => ({
        type,
        anomalies: anomalies.filter((a) => a.type === type).length,
        sessions: new Set(anomalies.filter((a) => a.type === type).map((a) => a.sessionId)).size,
      })),
    );
  });

  it('anomalyTimeline: hourly buckets ending with the data clock\'s hour', async () => {
    const hours = 48;
    const { anomalyTimeline } = await gqlData<{ anomalyTimeline: { from: string; to: string; buckets: { hour: string; total: number; byType: { type: string; anomalies: number }[] }[] } }>(
      gateway.url,
      `{ anomalyTimeline(hours: ${hours}) { from to buckets { hour total byType { type anomalies } } } }`,
    );
    const end = Math.floor(dataClock / HOUR) * HOUR + HOUR;
    expect(anomalyTimeline.to).toBe(iso(end));
    expect(anomalyTimeline.from).toBe(iso(end - hours * HOUR));
    const expected = Array.from({ length: hours }, (_, i) => {
      const hour = end - (hours - i) * HOUR;
      const inHour = anomalies.filter((a) => a.windowStart >= hour && a.windowStart < hour + HOUR);
      return {
        hour: iso(hour),
        total: inHour.length,
        byType: (['HIGH_FREQUENCY', 'BOT_LIKE'] as const).map((type) => ({ type, anomalies: inHour.filter((a) => a.type === type).length })),
      };
    });
    expect(anomalyTimeline.buckets).toEqual(expected);
    expect(expected.reduce((s, b) => s + b.total, 0)).toBe(anomalies.length - 1);
  });

  it('session: its events from ClickHouse and its anomalies; NOT_FOUND for an unknown session', async () => {
    const id = 9000002;
    const own = clicks.filter((c) => c.session === id).sort((a, b) => a.ms - b.ms || a.item - b.item);
    const bought = buys.filter((b) => b.session === id).sort((a, b) => a.ms - b.ms || a.item - b.item);
    const { session } = await gqlData<{ session: Record<string, unknown> }>(
      gateway.url,
      `{ session(id: ${id}) { id clickCount uniqueItems purchaseCount revenue firstClickAt lastClickAt durationSeconds
          clicks(limit: 3) { timestamp itemId category } purchases { timestamp itemId price quantity amount }
          anomalies { ${ANOMALY_FIELDS} } } }`,
    );
    expect(session).toEqual({
      id,
      clickCount: own.length,
      uniqueItems: new Set(own.map((c) => c.item)).size,
      purchaseCount: bought.length,
      revenue: bought.reduce((s, b) => s + b.price * b.quantity, 0),
      firstClickAt: iso(own[0]!.ms),
      lastClickAt: iso(own.at(-1)!.ms),
      durationSeconds: (own.at(-1)!.ms - own[0]!.ms) / 1000,
      clicks: own.slice(0, 3).map((c) => ({ timestamp: iso(c.ms), itemId: c.item, category: c.category })),
      purchases: bought.map((b) => ({ timestamp: iso(b.ms), itemId: b.item, price: b.price, quantity: b.quantity, amount: b.price * b.quantity })),
      anomalies: anomalies
        .filter((a) => a.sessionId === id)
        .sort((a, b) => a.windowStart - b.windowStart || (a.type < b.type ? -1 : 1))
        .map(asApi),
    });
    expect(own.length).toBeGreaterThan(0);
    const missing = await gql(gateway.url, '{ session(id: 123456789012) { id } }');
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'id' });
  });

  it('a page of anomalies with their sessions costs one query per source (batch loaders, no N+1)', async () => {
    const before = { ch: await metricValue(gateway.url, 'guardian_gateway_dependency_queries_total', 'dependency="clickhouse"'), pg: await metricValue(gateway.url, 'guardian_gateway_dependency_queries_total', 'dependency="postgres"') };
    const { anomalies: page } = await gqlData<{ anomalies: { nodes: { sessionId: number; session: { clickCount: number; anomalies: { type: string }[] } }[] } }>(
      gateway.url,
      '{ anomalies(first: 20) { nodes { sessionId session { clickCount purchaseCount anomalies { type } } } } }',
    );
    const after = { ch: await metricValue(gateway.url, 'guardian_gateway_dependency_queries_total', 'dependency="clickhouse"'), pg: await metricValue(gateway.url, 'guardian_gateway_dependency_queries_total', 'dependency="postgres"') };
    expect(page.nodes).toHaveLength(20);
    expect(new Set(page.nodes.map((n) => n.sessionId)).size).toBeGreaterThan(3);
    for (const node of page.nodes) {
      expect(node.session.clickCount).toBe(clicks.filter((c) => c.session === node.sessionId).length);
      expect(node.session.anomalies).toHaveLength(anomalies.filter((a) => a.sessionId === node.sessionId).length);
    }
    expect(after.ch - before.ch).toBe(1);
    expect(after.pg - before.pg).toBe(2);
  });
});

describe('system', () => {
  it('dataClock: the largest event time ingested', async () => {
    const { dataClock: clock } = await gqlData<{ dataClock: { time: string; date: string } }>(gateway.url, '{ dataClock { time date } }');
    expect(clock).toEqual({ time: iso(dataClock), date: dayOf(dataClock) });
  });

  it('systemStats: totals of the raw rows and the anomaly store', async () => {
    const { systemStats } = await gqlData<{ systemStats: Record<string, unknown> }>(
      gateway.url,
      `{ systemStats { totalClicks totalPurchases totalRevenue uniqueSessions uniqueItems daysWithData firstDate lastDate
          anomalies anomalousSessions lastAnomalyDetectedAt dataClock { time } gateway { version uptimeSeconds } } }`,
    );
    const days = [...new Set([...clicks, ...buys].map((e) => dayOf(e.ms)))].sort();
    expect(systemStats).toMatchObject({
      totalClicks: clicks.length,
      totalPurchases: buys.length,
      totalRevenue: buys.reduce((s, b) => s + b.price * b.quantity, 0),
      uniqueSessions: new Set(clicks.map((c) => c.session)).size,
      uniqueItems: new Set(clicks.map((c) => c.item)).size,
      daysWithData: days.length,
      firstDate: days[0],
      lastDate: days.at(-1),
      anomalies: anomalies.length,
      anomalousSessions: new Set(anomalies.map((a) => a.sessionId)).size,
      lastAnomalyDetectedAt: iso(Math.max(...anomalies.map((a) => a.detectedAt))),
      dataClock: { time: iso(dataClock) },
    });
    expect(days).not.toContain(NO_DATA_DAY);
  });

  it('health: every dependency up, in GraphQL and at GET /health', async () => {
    const { health } = await gqlData<{ health: { status: string; dependencies: { name: string; up: boolean }[] } }>(gateway.url, '{ health { status dependencies { name up latencyMs } } }');
    expect(health.status).toBe('OK');
    expect(health.dependencies.map((d) => [d.name, d.up])).toEqual([['clickhouse', true], ['postgres', true], ['kafka', true], ['schema-registry', true]]);
    const response = await fetch(`${gateway.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', dependencies: [{ name: 'clickhouse', up: true }, { name: 'postgres', up: true }, { name: 'kafka', up: true }, { name: 'schema-registry', up: true }] });
  });

  it('pipelineStatus: every rollup attempt, newest first; no unparsable messages', async () => {
    const { pipelineStatus } = await gqlData<{ pipelineStatus: { rollupRuns: { date: string; step: string; status: string; attempt: number; rowsWritten: number; source: string }[]; deadLetters: { clickhouseParseErrors: unknown[] } } }>(
      gateway.url,
      '{ pipelineStatus { rollupRuns(limit: 200) { date step status attempt rowsWritten source finishedAt } deadLetters { clickhouseParseErrors { topic count } } } }',
    );
    const runs = pipelineStatus.rollupRuns;
    expect(runs).toHaveLength(ROLLED_UP.length * 5);
    expect(new Set(runs.map((r) => r.date))).toEqual(new Set(ROLLED_UP));
    expect(runs.every((r) => r.status === 'success' && r.attempt === 1 && (r.source === 'live' || r.source === 'raw'))).toBe(true);
    const dailyRun = runs.find((r) => r.date === '2014-04-02' && r.step === 'popular_items');
    expect(dailyRun?.rowsWritten).toBe(ref.popularItems(clicks, buys, '2014-04-02').length);
    expect(pipelineStatus.deadLetters.clickhouseParseErrors).toEqual([]);
  });
});

describe('HTTP', () => {
  it('serves the dashboard at / (hashed assets cached, client routes to index.html, nothing outside the folder)', async () => {
    const index = await fetch(`${gateway.url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>dashboard</title>');
    const asset = await fetch(`${gateway.url}/assets/app-1234.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await (await fetch(`${gateway.url}/anomalies/123`)).text()).toContain('<title>dashboard</title>');
    expect((await fetch(`${gateway.url}/..%2f..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/missing.js`)).status).toBe(404);
  });

  it('opens GraphiQL for a browser at /graphql', async () => {
    const page = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Clickstream Guardian — GraphQL');
  });

  it('exposes Prometheus metrics: requests, latency, errors, dependency health', async () => {
    await gql(gateway.url, '{ funnel(date: "2014-02-30") { date } }');
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toMatch(/^guardian_gateway_http_requests_total\{route="\/graphql",method="POST",status="200"\} \d+/m);
    expect(text).toMatch(/^guardian_gateway_http_request_duration_seconds_bucket\{le="0.05",route="\/graphql"\} \d+/m);
    expect(text).toMatch(/^guardian_gateway_graphql_operations_total\{type="query",field="anomalies"\} \d+/m);
    expect(text).toMatch(/^guardian_gateway_graphql_errors_total\{code="BAD_USER_INPUT"\} [1-9]/m);
    expect(text).toMatch(/^guardian_gateway_graphql_errors_total\{code="NOT_FOUND"\} [1-9]/m);
    expect(text).toMatch(/^guardian_gateway_dependency_up\{dependency="clickhouse"\} 1$/m);
    expect(text).toMatch(/^guardian_gateway_process_resident_memory_bytes \d+/m);
  });
});
