/**
 * Writes a synthetic YOOCHOOSE data set: `yoochoose-clicks.dat` and
 * `yoochoose-buys.dat` in exactly the real format (SPEC §1: no header, comma
 * separated, `YYYY-MM-DDTHH:MM:SS.mmmZ`), shaped like the real data (see
 * `shape.ts`).
 *
 * Guarantees:
 * - deterministic: the same options and seed give byte-identical files;
 * - each file is sorted by timestamp (ties in generation order), so a
 *   producer can replay it by event time;
 * - memory is bounded by about one day of rows: sessions are generated one
 *   UTC day at a time, in start order, and each day is sorted and written
 *   before the next one is generated;
 * - every timestamp lies in [from 00:00, to 24:00) UTC: a session running
 *   past the end of the range is cut there, and buys that would fall after
 *   it are not written;
 * - session ids run 1, 2, 3... in order of session start, unique, and far
 *   below `RESERVED_SESSION_ID_BASE`;
 * - buy rows exist only for sessions with clicks, after the session's last
 *   click, mostly for items clicked in the session;
 * - files are written under temporary names and renamed when complete, so a
 *   failed run never leaves a truncated file under the real name.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../lib/errors.ts';
import { formatDayPrefix, formatTimeOfDay } from '../parse/timestamp.ts';
import { AliasTable } from './alias-table.ts';
import { createCatalog, UNKNOWN_CATEGORY, type Catalog } from './catalog.ts';
import { DATASET_FILES } from './dataset-files.ts';
import { EventBuffer } from './event-buffer.ts';
import { checkCount, MAX_CLICKS, MAX_SESSIONS, MS_PER_DAY, parseDayRange } from './options.ts';
import { Rng } from './prng.ts';
import { FIRST_GENERATED_SESSION_ID } from './session-ids.ts';
import {
  BUY_DELAY_MS,
  buyProbabilities,
  CLICK_GAP_MS,
  DAY_NOISE,
  HOUR_WEIGHTS,
  itemCountFor,
  MEAN_BUY_ROWS,
  QUANTITY,
  REVISIT_PROBABILITY,
  SESSION_LENGTH,
  sessionLengthWeights,
  sessionsForClicks,
  UNCLICKED_BUY_SHARE,
  UNKNOWN_CATEGORY_SHARE,
  UNKNOWN_VALUES,
  WEEKDAY_WEIGHTS,
} from './shape.ts';

export interface GenerateDatasetOptions {
  /** Directory to write into (created when missing); existing files of the same names are replaced. */
  outDir: string;
  /** Number of sessions to generate. Give this or `clicks`. */
  sessions?: number;
  /** Approximate number of click rows (sessions = clicks / 3.57). Give this or `sessions`. */
  clicks?: number;
  /** First day, `YYYY-MM-DD`, UTC. */
  from: string;
  /** Last day, `YYYY-MM-DD`, UTC, inclusive. */
  to: string;
  /** Any non-negative safe integer. */
  seed: number;
  /** Called after each day is written and every 65,536 sessions within a day. */
  onProgress?: (progress: GenerateProgress) => void;
}

export interface GenerateProgress {
  sessionsDone: number;
  sessionsTotal: number;
  clicks: number;
  buys: number;
  /** Day being generated, `YYYY-MM-DD`. */
  day: string;
  daysDone: number;
  daysTotal: number;
}

export interface DaySummary {
  /** `YYYY-MM-DD`. */
  date: string;
  /** Click rows whose timestamp falls on this day. */
  clicks: number;
  /** Buy rows whose timestamp falls on this day. */
  buys: number;
  /** Sessions that start (first click) on this day. */
  sessions: number;
  /** Of those, sessions with at least one buy row. */
  buyingSessions: number;
}

export interface DatasetSummary {
  clicksFile: string;
  buysFile: string;
  from: string;
  to: string;
  seed: number;
  /** Catalogue size (distinct item ids that may appear). */
  items: number;
  clicks: number;
  buys: number;
  sessions: number;
  buyingSessions: number;
  /** Session ids used: firstSessionId..lastSessionId, all of them. */
  firstSessionId: number;
  lastSessionId: number;
  days: DaySummary[];
}

/** Independent random streams, so that changing one aspect does not reshuffle the others. */
const STREAM = { catalog: 1, days: 2, sessions: 3 } as const;
const PROGRESS_EVERY_SESSIONS = 65_536;
const LINES_PER_WRITE = 16_384;
const MS_PER_HOUR = 3_600_000;

interface Model {
  catalog: Catalog;
  lengths: AliasTable;
  buyProbability: Float64Array;
  hours: AliasTable;
}

export async function generateDataset(options: GenerateDatasetOptions): Promise<DatasetSummary> {
  const range = parseDayRange(options.from, options.to);
  const seed = options.seed;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ConfigError(`seed must be a non-negative safe integer, got ${seed}`);
  const lengthWeights = sessionLengthWeights();
  const sessionsTotal = sessionCount(options);
  const model: Model = {
    catalog: createCatalog(itemCountFor(sessionsTotal * SESSION_LENGTH.mean), new Rng(seed, STREAM.catalog)),
    lengths: new AliasTable(lengthWeights),
    buyProbability: buyProbabilities(lengthWeights),
    hours: new AliasTable(HOUR_WEIGHTS),
  };
  const perDay = sessionsPerDay(sessionsTotal, range.start, range.days, new Rng(seed, STREAM.days));
  const rng = new Rng(seed, STREAM.sessions);

  await mkdir(options.outDir, { recursive: true });
  const clicksPath = path.join(options.outDir, DATASET_FILES.clicks);
  const buysPath = path.join(options.outDir, DATASET_FILES.buys);
  const clicksOut = new TextFile(`${clicksPath}.tmp`);
  const buysOut = new TextFile(`${buysPath}.tmp`);

  const clicks = new EventBuffer(2); // item index, category index
  const buys = new EventBuffer(3); // item index, price, quantity
  const sessionItems = new Uint32Array(SESSION_LENGTH.max);
  const days: DaySummary[] = [];
  let nextSessionId = FIRST_GENERATED_SESSION_ID;
  let sessionsDone = 0;
  let clickRows = 0;
  let buyRows = 0;
  let buyingSessions = 0;

  try {
    for (let d = 0; d < range.days; d++) {
      const dayStart = range.start + d * MS_PER_DAY;
      const date = formatDayPrefix(dayStart).slice(0, 10);
      const report = (): void =>
        options.onProgress?.({
          sessionsDone,
          sessionsTotal,
          clicks: clickRows + clicks.length,
          buys: buyRows + buys.length,
          day: date,
          daysDone: d,
          daysTotal: range.days,
        });

      // Sessions of the day, in start order, numbered in that order.
      const count = perDay[d]!;
      const starts = new Float64Array(count);
      for (let i = 0; i < count; i++) starts[i] = dayStart + model.hours.sample(rng) * MS_PER_HOUR + rng.int(MS_PER_HOUR);
      starts.sort();
      let dayBuying = 0;
      for (let i = 0; i < count; i++) {
        const bought = generateSession(model, rng, starts[i]!, nextSessionId++, range.end, clicks, buys, sessionItems);
        if (bought) dayBuying++;
        sessionsDone++;
        if (sessionsDone % PROGRESS_EVERY_SESSIONS === 0) report();
      }
      buyingSessions += dayBuying;

      // Everything up to the end of the day is final now: sort, format, write.
      const prefix = formatDayPrefix(dayStart);
      const clickText: string[] = [];
      const dayClicks = clicks.drainDay(dayStart, (order, buffer) => formatClicks(order, buffer, dayStart, prefix, model.catalog, clickText));
      const buyText: string[] = [];
      const dayBuys = buys.drainDay(dayStart, (order, buffer) => formatBuys(order, buffer, dayStart, prefix, model.catalog, buyText));
      await Promise.all([clicksOut.write(clickText), buysOut.write(buyText)]);
      clickRows += dayClicks;
      buyRows += dayBuys;
      days.push({ date, clicks: dayClicks, buys: dayBuys, sessions: count, buyingSessions: dayBuying });
      options.onProgress?.({
        sessionsDone,
        sessionsTotal,
        clicks: clickRows,
        buys: buyRows,
        day: date,
        daysDone: d + 1,
        daysTotal: range.days,
      });
    }
    if (clicks.length !== 0 || buys.length !== 0) throw new Error('internal: rows left after the last day');
    await Promise.all([clicksOut.close(), buysOut.close()]);
    await Promise.all([rename(clicksOut.path, clicksPath), rename(buysOut.path, buysPath)]);
  } catch (error) {
    await Promise.all([clicksOut.abort(), buysOut.abort()]);
    throw error;
  }

  return {
    clicksFile: clicksPath,
    buysFile: buysPath,
    from: options.from,
    to: options.to,
    seed,
    items: model.catalog.size,
    clicks: clickRows,
    buys: buyRows,
    sessions: sessionsTotal,
    buyingSessions,
    firstSessionId: FIRST_GENERATED_SESSION_ID,
    lastSessionId: nextSessionId - 1,
    days,
  };
}

function sessionCount(options: GenerateDatasetOptions): number {
  const { sessions, clicks } = options;
  if (sessions !== undefined && clicks !== undefined) throw new ConfigError('give either sessions or clicks, not both');
  if (sessions !== undefined) return checkCount('sessions', sessions, MAX_SESSIONS);
  if (clicks !== undefined) {
    return sessionsForClicks(checkCount('clicks', clicks, MAX_CLICKS));
  }
  throw new ConfigError('give sessions or clicks: how large the data set should be');
}

/** Splits `total` sessions over the days by weekday and noise, exactly (largest remainder). */
function sessionsPerDay(total: number, start: number, days: number, rng: Rng): number[] {
  const weights: number[] = [];
  for (let d = 0; d < days; d++) {
    const weekday = (new Date(start + d * MS_PER_DAY).getUTCDay() + 6) % 7; // Monday = 0
    weights.push(WEEKDAY_WEIGHTS[weekday]! * (1 - DAY_NOISE + 2 * DAY_NOISE * rng.next()));
  }
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * total);
  const counts = exact.map(Math.floor);
  let missing = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, d) => [x - Math.floor(x), d] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; missing > 0; k++, missing--) counts[byRemainder[k % days]![1]]!++;
  return counts;
}

/** One session's clicks, then maybe its buys; returns whether a buy row was written. */
function generateSession(
  model: Model,
  rng: Rng,
  start: number,
  sessionId: number,
  rangeEnd: number,
  clicks: EventBuffer,
  buys: EventBuffer,
  sessionItems: Uint32Array,
): boolean {
  const { catalog } = model;
  const length = model.lengths.sample(rng);
  let time = start;
  let clicked = 0;
  while (clicked < length) {
    if (clicked > 0) {
      const mean = rng.next() < CLICK_GAP_MS.longShare ? CLICK_GAP_MS.longMean : CLICK_GAP_MS.shortMean;
      time += Math.min(CLICK_GAP_MS.max, CLICK_GAP_MS.min + Math.floor(rng.exponential(mean)));
      if (time >= rangeEnd) break;
    }
    const item =
      clicked > 0 && rng.next() < REVISIT_PROBABILITY ? sessionItems[rng.int(clicked)]! : catalog.popularity.sample(rng);
    sessionItems[clicked++] = item;
    const category = rng.next() < UNKNOWN_CATEGORY_SHARE ? UNKNOWN_CATEGORY : catalog.itemCategory[item]!;
    clicks.push(time, sessionId, item, category);
  }

  if (rng.next() >= model.buyProbability[clicked]!) return false;
  // 1 + geometric extra rows, mean MEAN_BUY_ROWS.
  const more = (MEAN_BUY_ROWS - 1) / MEAN_BUY_ROWS;
  let rows = 1;
  while (rows < 20 && rng.next() < more) rows++;
  time += Math.min(BUY_DELAY_MS.max, BUY_DELAY_MS.min + Math.floor(rng.exponential(BUY_DELAY_MS.mean)));
  let written = 0;
  for (let r = 0; r < rows; r++) {
    if (r > 0) time += rng.int(BUY_DELAY_MS.betweenRows + 1);
    if (time >= rangeEnd) break;
    const item = rng.next() < UNCLICKED_BUY_SHARE ? catalog.popularity.sample(rng) : sessionItems[rng.int(clicked)]!;
    let price = catalog.itemPrice[item]!;
    let quantity = 1;
    const q = rng.next();
    if (q < QUANTITY.threeToSix) quantity = 3 + rng.int(4);
    else if (q < QUANTITY.threeToSix + QUANTITY.two) quantity = 2;
    const unknown = rng.next();
    if (unknown < UNKNOWN_VALUES.both) {
      price = 0;
      quantity = 0;
    } else if (unknown < UNKNOWN_VALUES.both + UNKNOWN_VALUES.priceOnly) {
      price = 0;
    } else if (unknown < UNKNOWN_VALUES.both + UNKNOWN_VALUES.priceOnly + UNKNOWN_VALUES.quantityOnly) {
      quantity = 0;
    }
    buys.push(time, sessionId, item, price, quantity);
    written++;
  }
  return written > 0;
}

function formatClicks(
  order: Float64Array,
  buffer: EventBuffer,
  dayStart: number,
  prefix: string,
  catalog: Catalog,
  out: string[],
): void {
  const { time, session } = buffer;
  const item = buffer.values[0]!;
  const category = buffer.values[1]!;
  const { itemIdText, categoryText } = catalog;
  let lines: string[] = [];
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    lines.push(
      `${session[i]},${prefix}${formatTimeOfDay(time[i]! - dayStart)},${itemIdText[item[i]!]},${categoryText[category[i]!]}`,
    );
    if (lines.length === LINES_PER_WRITE) {
      out.push(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length > 0) out.push(`${lines.join('\n')}\n`);
}

function formatBuys(
  order: Float64Array,
  buffer: EventBuffer,
  dayStart: number,
  prefix: string,
  catalog: Catalog,
  out: string[],
): void {
  const { time, session } = buffer;
  const [item, price, quantity] = buffer.values as [Uint32Array, Uint32Array, Uint32Array];
  const { itemIdText } = catalog;
  let lines: string[] = [];
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    lines.push(`${session[i]},${prefix}${formatTimeOfDay(time[i]! - dayStart)},${itemIdText[item[i]!]},${price[i]},${quantity[i]}`);
    if (lines.length === LINES_PER_WRITE) {
      out.push(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length > 0) out.push(`${lines.join('\n')}\n`);
}

/** A file written in chunks with back-pressure. */
class TextFile {
  private readonly stream: WriteStream;
  private failure: Error | undefined;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  async write(chunks: string[]): Promise<void> {
    for (const chunk of chunks) {
      if (this.failure !== undefined) throw this.failure;
      if (!this.stream.write(chunk)) await once(this.stream, 'drain');
    }
  }

  async close(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.stream.end();
    await once(this.stream, 'finish');
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.path, { force: true });
  }
}
