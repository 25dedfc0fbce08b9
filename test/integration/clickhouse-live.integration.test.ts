/**
 * ClickHouse ingestion and live aggregates, against the real services.
 *
 * 1. In a private database (raw rows loaded directly): the live aggregate
 *    tables and the `daily_live_metrics` view agree with the raw tables and
 *    with the TypeScript reference, day by day; a redelivered message is
 *    counted twice by the live aggregates (documented), exactly as often as
 *    it is in the raw table; SCHEMA.md's example queries run.
 * 2. End to end in the shared database: generated events with session ids
 *    of their own, on a day of their own, produced to the real topics, are
 *    consumed by ClickHouse's Kafka engine into the raw tables exactly once
 *    each, and the live aggregates of that day equal the reference.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatFile } from '../../clickhouse/load-dat.ts';
import { DayChecker } from '../../clickhouse/rollup/day-check.ts';
import { createClickHouse } from '../../lib/clients/clickhouse.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { createLogger } from '../../lib/logger.ts';
import { TOPICS } from '../../lib/topics.ts';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';
import { RESERVED_SESSION_ID_BASE } from '../../ingest/generator/session-ids.ts';
import { connectProducer, produceFile } from '../../ingest/producer/produce-file.ts';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { openSandbox, type Sandbox } from '../clickhouse-sandbox.ts';
import { config, waitFor } from '../helpers.ts';
import * as ref from '../reference/daily-reference.ts';
import { FIXTURE_DAYS, NO_DATA_DAY, writeFixture, type Fixture } from '../reference/rollup-fixture.ts';

const FLOAT_COLUMNS = new Set(['conversion_rate', 'avg_session_duration_sec', 'avg_clicks_per_session', 'avg_order_value']);

function differences(actual: Record<string, unknown>, expected: Record<string, unknown>, where: string): string[] {
  return Object.entries(expected).flatMap(([column, want]) => {
    const got = actual[column];
    const same = FLOAT_COLUMNS.has(column) ? Math.abs(Number(got) - Number(want)) <= 1e-9 : got === want;
    return same ? [] : [`${where} ${column}: got ${String(got)}, expected ${String(want)}`];
  });
}

/** What daily_live_metrics must show for a day, from the reference. */
function expectedLive(clicks: ref.Click[], buys: ref.Buy[], day: string): Record<string, unknown> {
  return { day, ...ref.dailyMetrics(clicks, buys, day), engaged_sessions: ref.sessionFunnel(clicks, buys, day)[1]!.sessions };
}

type Row = Record<string, unknown>;

/** Items per day from items_live, the category picked from its per-category counts (most clicks, then smallest string). */
const ITEMS_LIVE = `
  SELECT item_id, click_count, purchase_count, revenue,
         if(click_count = 0, '0', arraySort(x -> (-toInt64(x.2), x.1), arrayZip(mapKeys(cats), mapValues(cats)))[1].1) AS category
  FROM (
    SELECT item_id, sum(clicks) AS click_count, sum(purchases) AS purchase_count, sum(revenue) AS revenue, sumMap(categories) AS cats
    FROM items_live WHERE day = {day:Date} GROUP BY item_id)
  ORDER BY item_id`;

describe('live aggregates in a private database', () => {
  let sandbox: Sandbox;
  let fixture: Fixture;
  let clicks: ref.Click[];
  let buys: ref.Buy[];

  beforeAll(async () => {
    fixture = await writeFixture(3000, 23);
    clicks = ref.readClicks(fixture.clicksFile);
    buys = ref.readBuys(fixture.buysFile);
    sandbox = await openSandbox('test_live');
    await loadDatFile(sandbox.client, { kind: 'clicks', file: fixture.clicksFile });
    await loadDatFile(sandbox.client, { kind: 'purchases', file: fixture.buysFile });
  });

  afterAll(async () => {
    await sandbox?.drop();
    if (fixture) fs.rmSync(fixture.dir, { recursive: true, force: true });
  });

  it('daily_live_metrics equals the reference for every day (and has no row for a day without data)', async () => {
    const rows = await sandbox.rows<Row>('SELECT * FROM daily_live_metrics ORDER BY day');
    const days = FIXTURE_DAYS.filter((day) => day !== NO_DATA_DAY);
    expect(rows.map((r) => r.day)).toEqual(days);
    expect(days.flatMap((day, i) => differences(rows[i]!, expectedLive(clicks, buys, day), day))).toEqual([]);
  });

  it('daily_live agrees with the raw tables', async () => {
    const live = await sandbox.rows<Row>(`
      SELECT day, sum(clicks) AS clicks, sum(purchases) AS purchases, sum(revenue) AS revenue,
             uniqExactMerge(sessions) AS sessions, uniqExactMerge(items) AS items, uniqExactMerge(purchasing_sessions) AS buyers
      FROM daily_live GROUP BY day ORDER BY day`);
    const raw = await sandbox.rows<Row>(`
      SELECT day, sum(c) AS clicks, sum(p) AS purchases, sum(r) AS revenue, sum(s) AS sessions, sum(i) AS items, sum(b) AS buyers
      FROM (
        SELECT toDate(timestamp) AS day, count() AS c, 0 AS p, toInt64(0) AS r, uniqExact(session_id) AS s, uniqExact(item_id) AS i, 0 AS b
        FROM clicks_raw GROUP BY day
        UNION ALL
        SELECT toDate(timestamp), 0, count(), toInt64(sum(price * quantity)), 0, 0, uniqExact(session_id) FROM purchases_raw GROUP BY 1
      ) GROUP BY day ORDER BY day`);
    expect(live).toEqual(raw);
  });

  it('items_live holds every item of every day with the reference clicks, buys, revenue and category', async () => {
    const problems: string[] = [];
    for (const day of FIXTURE_DAYS) {
      const rows = await sandbox.rows<Row>(ITEMS_LIVE, { day });
      const expected = ref.itemTotals(clicks, buys, day).sort((a, b) => a.item_id - b.item_id);
      if (rows.length !== expected.length) problems.push(`${day}: ${rows.length} items, expected ${expected.length}`);
      expected.forEach((item, i) => {
        const { click_to_purchase_ratio: _ratio, ...want } = item;
        problems.push(...differences(rows[i] ?? {}, want, `${day} item ${item.item_id}`));
      });
    }
    expect(problems).toEqual([]);
  });

  it('categories_live counts clicks, items and sessions per click category', async () => {
    const problems: string[] = [];
    for (const day of FIXTURE_DAYS) {
      const rows = await sandbox.rows<Row>(
        `SELECT toString(category) AS category, sum(clicks) AS clicks, uniqExactMerge(items) AS items, uniqExactMerge(sessions) AS sessions
         FROM categories_live WHERE day = {day:Date} GROUP BY category ORDER BY category`,
        { day },
      );
      const byCategory = new Map<string, { clicks: number; items: Set<number>; sessions: Set<number> }>();
      for (const c of ref.onDay(clicks, day)) {
        const e = byCategory.get(c.category) ?? { clicks: 0, items: new Set<number>(), sessions: new Set<number>() };
        e.clicks++;
        e.items.add(c.item);
        e.sessions.add(c.session);
        byCategory.set(c.category, e);
      }
      const expected = [...byCategory].sort(([a], [b]) => (a < b ? -1 : 1)).map(([category, e]) => ({ category, clicks: e.clicks, items: e.items.size, sessions: e.sessions.size }));
      if (JSON.stringify(rows) !== JSON.stringify(expected)) problems.push(`${day}: ${JSON.stringify(rows).slice(0, 300)} vs ${JSON.stringify(expected).slice(0, 300)}`);
    }
    expect(problems).toEqual([]);
  });

  it('counts a redelivered message twice, as often as the raw table holds it (the rollup deduplicates; the live view does not)', async () => {
    const day = '2014-04-05';
    for (const table of ['clicks_raw', 'purchases_raw']) {
      await sandbox.client.command({ query: `INSERT INTO ${table} SELECT * FROM ${table} WHERE toDate(timestamp) = {day:Date}`, query_params: { day } });
    }
    const [live] = await sandbox.rows<Row>('SELECT * FROM daily_live_metrics WHERE day = {day:Date}', { day });
    const once = ref.dailyMetrics(clicks, buys, day);
    expect(live).toMatchObject({
      total_clicks: 2 * once.total_clicks,
      total_purchases: 2 * once.total_purchases,
      total_revenue: 2 * once.total_revenue,
      unique_sessions: once.unique_sessions,
      unique_items: once.unique_items,
    });
  });

  it('SCHEMA.md documents every table and view, and every column of each', async () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'clickhouse/SCHEMA.md'), 'utf8');
    const sections = new Map(
      [...doc.matchAll(/^### (.+)$/gm)].map((m, i, all) => [m[1]!, doc.slice(m.index!, all[i + 1]?.index ?? doc.length)] as const),
    );
    const sectionOf = (name: string) => [...sections].find(([heading]) => heading.includes(`\`${name}\``))?.[1];
    const columns = await sandbox.rows<{ table: string; name: string; engine: string }>(
      `SELECT c.table AS table, c.name AS name, t.engine AS engine FROM system.columns AS c
       INNER JOIN system.tables AS t ON t.database = c.database AND t.name = c.table
       WHERE c.database = {db:String} ORDER BY c.table, c.position`,
      { db: sandbox.database },
    );
    const views = await sandbox.rows<{ name: string }>("SELECT name FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView'", { db: sandbox.database });
    const missing = [
      ...columns.filter((c) => c.engine !== 'MaterializedView').flatMap((c) => {
        const section = sectionOf(c.table);
        if (section === undefined) return [`table ${c.table}`];
        return section.includes(c.name) ? [] : [`${c.table}.${c.name}`];
      }),
      ...views.filter((v) => !doc.includes(`\`${v.name}\``)).map((v) => `view ${v.name}`),
    ];
    expect([...new Set(missing)]).toEqual([]);
  });

  it("runs every example query of SCHEMA.md", async () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'clickhouse/SCHEMA.md'), 'utf8');
    const queries = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim().replace(/;$/, ''));
    expect(queries.length).toBeGreaterThanOrEqual(8);
    const failures: string[] = [];
    const values: Record<string, unknown> = { day: '2014-04-02', from: '2014-04-01', to: '2014-04-05', item: 888888888 };
    for (const query of queries) {
      const names = [...query.matchAll(/\{(\w+):/g)].map((m) => m[1]!);
      try {
        await sandbox.rows(query, Object.fromEntries(names.map((name) => [name, values[name]])));
      } catch (error) {
        failures.push(`${query.slice(0, 80)}…: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('end to end: Kafka → Kafka engine → raw tables → live aggregates (shared database)', () => {
  const logger = createLogger('clickhouse-e2e-test');
  const kafka = createKafka(config, 'clickhouse-e2e-test');
  const registry = createRegistry(config);
  const client = createClickHouse(config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clickhouse-e2e-'));
  let producer: Producer;

  const rows = async <T>(query: string, params: Record<string, unknown>): Promise<T[]> =>
    (await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })).json<T>();

  beforeAll(async () => {
    producer = await connectProducer(kafka, config.kafka.brokers);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ingests every produced event once and aggregates them', async () => {
    const [queues] = await rows<{ n: number }>(
      "SELECT count() AS n FROM system.tables WHERE database = {db:String} AND engine = 'Kafka'",
      { db: config.clickhouse.database },
    );
    expect(queues!.n, `the Kafka engine tables of ${config.clickhouse.database}: run \`npx guardian migrate\``).toBe(2);

    // A day of our own, far before the replayed data (so the data clock stays), with no rows yet.
    let day = '';
    for (let tries = 0; tries < 20 && day === ''; tries++) {
      const candidate = new Date(Date.UTC(2000 + randomInt(13), 0, 1) + randomInt(365) * 86_400_000).toISOString().slice(0, 10);
      const [used] = await rows<{ n: number }>(
        'SELECT (SELECT count() FROM clicks_raw WHERE toDate(timestamp) = {day:Date}) + (SELECT count() FROM purchases_raw WHERE toDate(timestamp) = {day:Date}) AS n',
        { day: candidate },
      );
      if (used!.n === 0) day = candidate;
    }
    expect(day).not.toBe('');

    // Session ids of our own: the generated ones shifted into an unused range below the reserved one.
    await generateDataset({ outDir: dir, sessions: 400, from: day, to: day, seed: randomInt(1_000_000) });
    const base = 500_000_000_000 + randomInt(300_000) * 1_000_000;
    const shift = (file: string) => {
      const text = fs.readFileSync(file, 'utf8').replace(/^(\d+),/gm, (_, id: string) => `${base + Number(id)},`);
      fs.writeFileSync(file, text);
    };
    const clicksFile = path.join(dir, 'yoochoose-clicks.dat');
    const buysFile = path.join(dir, 'yoochoose-buys.dat');
    shift(clicksFile);
    shift(buysFile);
    const clicks = ref.readClicks(clicksFile);
    const buys = ref.readBuys(buysFile);
    expect(buys.length).toBeGreaterThan(0);

    const deps = { producer, registry, logger };
    const options = { replaySpeed: Infinity, injectedSessionIdBase: RESERVED_SESSION_ID_BASE };
    await produceFile(deps, { ...options, kind: 'clicks', csvPath: clicksFile });
    await produceFile(deps, { ...options, kind: 'purchases', csvPath: buysFile });

    const sessionRange = { lo: base, hi: base + 1_000_000 };
    const countQuery = (table: string) =>
      `SELECT count() AS n, uniqExact(_topic, _partition, _offset) AS distinct_messages FROM ${table} WHERE session_id BETWEEN {lo:Int64} AND {hi:Int64}`;
    const arrived = await waitFor(
      async () => [(await rows<{ n: number }>(countQuery('clicks_raw'), sessionRange))[0]!.n, (await rows<{ n: number }>(countQuery('purchases_raw'), sessionRange))[0]!.n],
      ([c, b]) => c! >= clicks.length && b! >= buys.length,
      90_000,
      1000,
    );
    expect(arrived).toEqual([clicks.length, buys.length]);

    const rawClicks = await rows<{ session_id: number; ms: number; item_id: number; category: string; _topic: string }>(
      `SELECT session_id, toUnixTimestamp64Milli(timestamp) AS ms, item_id, category, _topic
       FROM clicks_raw WHERE session_id BETWEEN {lo:Int64} AND {hi:Int64}`,
      sessionRange,
    );
    const asLine = (r: { session_id: number; ms: number; item_id: number; category: string }) =>
      `${r.session_id},${new Date(r.ms).toISOString()},${r.item_id},${r.category}`;
    const fileLines = fs.readFileSync(clicksFile, 'utf8').split('\n').filter(Boolean);
    expect(rawClicks.map(asLine).sort()).toEqual([...fileLines].sort());
    expect(new Set(rawClicks.map((r) => r._topic))).toEqual(new Set([TOPICS.clicks]));

    const [live] = await rows<Row>('SELECT * FROM daily_live_metrics WHERE day = {day:Date}', { day });
    expect(differences(live ?? {}, expectedLive(clicks, buys, day), day)).toEqual([]);
    // The ledger saw every block, with no message twice: the rollup may read this day from the live aggregates.
    const ledger = await rows<{ source_table: string; rows: number }>(
      'SELECT source_table, sum(rows) AS rows FROM ingest_ledger WHERE day = {day:Date} GROUP BY source_table ORDER BY source_table',
      { day },
    );
    expect(ledger).toEqual([{ source_table: 'clicks_raw', rows: clicks.length }, { source_table: 'purchases_raw', rows: buys.length }]);
    expect(await new DayChecker(client).exactness([day])).toEqual([{ clicks: true, buys: true }]);
  });
});
