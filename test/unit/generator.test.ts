/**
 * The generated data set: exactly the YOOCHOOSE format, deterministic, and
 * shaped like the real data (SPEC §1). Every shape check is computed from
 * the files themselves, through the same parser the producer uses.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DATASET_FILES,
  generateDataset,
  RESERVED_SESSION_ID_BASE,
  type DatasetSummary,
  type GenerateProgress,
} from '../../ingest/generator/index.ts';
import { parseClickLine, parsePurchaseLine } from '../../ingest/parse/index.ts';
import type { ClickEvent, PurchaseEvent } from '../../schemas/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'generator-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FROM = '2014-04-01';
const TO = '2014-04-05';
const RANGE_START = Date.UTC(2014, 3, 1);
const RANGE_END = Date.UTC(2014, 3, 6);
const base = { sessions: 20_000, from: FROM, to: TO, seed: 7 };

interface Dataset {
  summary: DatasetSummary;
  clicksText: string;
  buysText: string;
}

async function generate(name: string, options: Partial<typeof base> & { clicks?: number } = {}): Promise<Dataset> {
  const outDir = path.join(dir, name);
  const summary = await generateDataset({ ...base, ...options, outDir });
  return {
    summary,
    clicksText: readFileSync(path.join(outDir, DATASET_FILES.clicks), 'utf8'),
    buysText: readFileSync(path.join(outDir, DATASET_FILES.buys), 'utf8'),
  };
}

function parseAll<T>(text: string, parse: typeof parseClickLine | typeof parsePurchaseLine, source: string): T[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      const outcome = parse(line, { source, lineNumber: i + 1 });
      if (outcome.kind !== 'ok') throw new Error(`${source}:${i + 1}: ${outcome.reason}: ${line}`);
      return outcome.event as T;
    });
}

let data: Dataset;
let clicks: ClickEvent[];
let buys: PurchaseEvent[];
const progress: GenerateProgress[] = [];

beforeAll(async () => {
  const outDir = path.join(dir, 'main');
  const summary = await generateDataset({ ...base, outDir, onProgress: (p) => progress.push(p) });
  data = {
    summary,
    clicksText: readFileSync(path.join(outDir, DATASET_FILES.clicks), 'utf8'),
    buysText: readFileSync(path.join(outDir, DATASET_FILES.buys), 'utf8'),
  };
  clicks = parseAll<ClickEvent>(data.clicksText, parseClickLine, DATASET_FILES.clicks);
  buys = parseAll<PurchaseEvent>(data.buysText, parsePurchaseLine, DATASET_FILES.buys);
});

describe('format', () => {
  it('writes the real YOOCHOOSE layout: no header, 4 and 5 columns, ms timestamps in Z', () => {
    expect(data.clicksText).toMatch(/^\d+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,\d{9},(0|S|\d{1,2}|\d{8,10})\n/);
    expect(data.buysText).toMatch(/^\d+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,\d{9},\d+,\d+\n/);
    expect(data.clicksText).not.toContain('\r');
  });

  it('every line parses, and the summary counts what the files hold', () => {
    expect(clicks.length).toBe(data.summary.clicks);
    expect(buys.length).toBe(data.summary.buys);
    expect(new Set(clicks.map((c) => c.session_id)).size).toBe(data.summary.sessions);
    expect(new Set(buys.map((b) => b.session_id)).size).toBe(data.summary.buyingSessions);
    expect(data.summary.days.map((d) => d.date)).toEqual(['2014-04-01', '2014-04-02', '2014-04-03', '2014-04-04', '2014-04-05']);
    expect(data.summary.days.reduce((sum, d) => sum + d.clicks, 0)).toBe(clicks.length);
    expect(data.summary.days.reduce((sum, d) => sum + d.sessions, 0)).toBe(20_000);
    for (const day of data.summary.days) {
      const start = Date.parse(`${day.date}T00:00:00.000Z`);
      expect(clicks.filter((c) => c.timestamp >= start && c.timestamp < start + 86_400_000).length).toBe(day.clicks);
    }
  });

  it('reports progress up to the total', () => {
    const last = progress.at(-1);
    expect(last).toMatchObject({ sessionsDone: 20_000, sessionsTotal: 20_000, daysDone: 5, daysTotal: 5, clicks: clicks.length });
  });
});

describe('determinism', () => {
  it('same seed -> identical bytes; different seed -> different files', async () => {
    const again = await generate('again');
    expect(again.clicksText === data.clicksText).toBe(true);
    expect(again.buysText === data.buysText).toBe(true);
    const other = await generate('other-seed', { seed: 8 });
    expect(other.clicksText === data.clicksText).toBe(false);
    expect(other.buysText === data.buysText).toBe(false);
  });
});

describe('ordering, range and ids', () => {
  it('sorts each file by timestamp', () => {
    for (const rows of [clicks, buys]) {
      const unsorted = rows.filter((row, i) => i > 0 && row.timestamp < rows[i - 1]!.timestamp);
      expect(unsorted).toEqual([]);
    }
  });

  it('keeps every timestamp inside [from 00:00, to 24:00) UTC, using every day', () => {
    const outside = [...clicks, ...buys].filter((row) => row.timestamp < RANGE_START || row.timestamp >= RANGE_END);
    expect(outside).toEqual([]);
    const days = new Set(clicks.map((c) => Math.floor(c.timestamp / 86_400_000)));
    expect(days.size).toBe(5);
  });

  it('numbers sessions 1..n in start order, far from the reserved anomaly range', () => {
    const firstClick = new Map<number, number>();
    for (const c of clicks) if (!firstClick.has(c.session_id)) firstClick.set(c.session_id, c.timestamp);
    const ids = [...firstClick.keys()].sort((a, b) => a - b);
    expect(ids[0]).toBe(1);
    expect(ids.at(-1)).toBe(20_000);
    expect(ids.every((id) => id < RESERVED_SESSION_ID_BASE)).toBe(true);
    const outOfOrder = ids.filter((id, i) => i > 0 && firstClick.get(id)! < firstClick.get(ids[i - 1]!)!);
    expect(outOfOrder).toEqual([]);
  });
});

describe('shape (SPEC §1)', () => {
  it('mean clicks per session ~3.57, heavily right-skewed', () => {
    const perSession = new Map<number, number>();
    for (const c of clicks) perSession.set(c.session_id, (perSession.get(c.session_id) ?? 0) + 1);
    const lengths = [...perSession.values()];
    const mean = clicks.length / lengths.length;
    expect(mean).toBeGreaterThan(3.0);
    expect(mean).toBeLessThan(4.2);
    expect(lengths.filter((n) => n <= 3).length / lengths.length).toBeGreaterThan(0.6);
    expect(Math.max(...lengths)).toBeGreaterThan(40);
  });

  it('about 5.5% of sessions buy, only sessions with clicks, after their clicks, mostly clicked items', () => {
    const clickSessions = new Set(clicks.map((c) => c.session_id));
    const buySessions = new Set(buys.map((b) => b.session_id));
    const share = buySessions.size / clickSessions.size;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.07);
    expect([...buySessions].every((id) => clickSessions.has(id))).toBe(true);

    const lastClick = new Map<number, number>();
    const clicked = new Map<number, Set<number>>();
    for (const c of clicks) {
      lastClick.set(c.session_id, Math.max(lastClick.get(c.session_id) ?? 0, c.timestamp));
      if (!clicked.has(c.session_id)) clicked.set(c.session_id, new Set());
      clicked.get(c.session_id)!.add(c.item_id);
    }
    expect(buys.every((b) => b.timestamp > lastClick.get(b.session_id)!)).toBe(true);
    const fromClicked = buys.filter((b) => clicked.get(b.session_id)!.has(b.item_id)).length / buys.length;
    expect(fromClicked).toBeGreaterThan(0.8);
    expect(buys.length / buySessions.size).toBeGreaterThan(1.8); // 2.26 buy rows per buying session in the real set
  });

  it('about two thirds of click categories are 0, with S, 1..12 and brands present', () => {
    const zero = clicks.filter((c) => c.category === '0').length / clicks.length;
    expect(zero).toBeGreaterThan(0.55);
    expect(zero).toBeLessThan(0.75);
    const categories = new Set(clicks.map((c) => c.category));
    expect(categories.has('S')).toBe(true);
    for (let k = 1; k <= 12; k++) expect(categories.has(String(k))).toBe(true);
    expect([...categories].some((c) => /^\d{8,10}$/.test(c))).toBe(true);
  });

  it('has unknown (0) and known prices and quantities', () => {
    expect(buys.some((b) => b.price === 0)).toBe(true);
    expect(buys.some((b) => b.quantity === 0)).toBe(true);
    expect(buys.some((b) => b.price > 0 && b.quantity > 0)).toBe(true);
    expect(buys.some((b) => b.quantity > 1)).toBe(true);
  });

  it('has a Zipf-like item popularity', () => {
    const counts = new Map<number, number>();
    for (const c of clicks) counts.set(c.item_id, (counts.get(c.item_id) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    expect(counts.size).toBeGreaterThan(1000);
    expect(sorted[0]!).toBeGreaterThan(20 * sorted[Math.floor(sorted.length / 2)]!);
  });

  it('is busier by day than by night (UTC)', () => {
    const byHour = new Array<number>(24).fill(0);
    for (const c of clicks) byHour[new Date(c.timestamp).getUTCHours()]!++;
    const night = byHour[2]! + byHour[3]! + byHour[4]!;
    const evening = byHour[18]! + byHour[19]! + byHour[20]!;
    expect(evening).toBeGreaterThan(5 * night);
  });

  it('spaces clicks of a session at least a second apart, so generated data never trips an anomaly rule', () => {
    const last = new Map<number, number>();
    let smallestGap = Infinity;
    for (const c of clicks) {
      const previous = last.get(c.session_id);
      if (previous !== undefined) smallestGap = Math.min(smallestGap, c.timestamp - previous);
      last.set(c.session_id, c.timestamp);
    }
    expect(smallestGap).toBeGreaterThanOrEqual(1000);
  });
});

describe('sizes and validation', () => {
  it('turns a clicks target into about that many click rows', async () => {
    const { summary } = await generate('clicks-target', { clicks: 30_000, sessions: undefined, from: '2014-04-01', to: '2014-04-01' });
    expect(summary.clicks).toBeGreaterThan(27_000);
    expect(summary.clicks).toBeLessThan(33_000);
  });

  it.each([
    [{ sessions: 0 }, 'sessions must be a positive integer, got 0'],
    [{ sessions: 1.5 }, 'sessions must be a positive integer, got 1.5'],
    [{ sessions: 10, clicks: 10 }, 'give either sessions or clicks, not both'],
    [{ sessions: undefined }, 'give sessions or clicks'],
    [{ from: '2014-04-31' }, 'from must be a date YYYY-MM-DD, got "2014-04-31"'],
    [{ to: '2014/04/05' }, 'to must be a date YYYY-MM-DD, got "2014/04/05"'],
    [{ from: '2014-04-06' }, 'to (2014-04-05) must not be before from (2014-04-06)'],
    [{ seed: -1 }, 'seed must be a non-negative safe integer, got -1'],
  ])('refuses %j', async (options, message) => {
    await expect(generateDataset({ ...base, outDir: path.join(dir, 'refused'), ...options })).rejects.toThrow(message);
  });
});
