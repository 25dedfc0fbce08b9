/**
 * The rollup and live-aggregate tests' data set: five generated days
 * (2014-04-01..05) reshaped so that each SPEC corner shows up —
 * - 2014-04-03 has clicks but no buys (its buy rows are removed);
 * - 2014-04-04 has no data at all (every row removed);
 * - on 2014-04-02, hand-written rows: a session that only buys (counts in
 *   the average order value, not in conversion; its item has no click, so
 *   category `0`), a price-0/quantity-0 buy, an item whose click categories
 *   tie (`3` ×2, `12` ×2, `S` ×1 → `12`, the smallest *string*), two items
 *   tied on revenue and clicks (ranked by item_id), all big enough to rank;
 * - a session crossing midnight 04-01 → 04-02 (each day sees its own part).
 * Files are written unsorted at the end, as the format allows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';

export const FIXTURE_DAYS = ['2014-04-01', '2014-04-02', '2014-04-03', '2014-04-04', '2014-04-05'] as const;
export const NO_BUYS_DAY = '2014-04-03';
export const NO_DATA_DAY = '2014-04-04';

export interface Fixture {
  dir: string;
  clicksFile: string;
  buysFile: string;
}

const EXTRA_CLICKS = [
  '9000002,2014-04-02T13:00:00.000Z,888888888,3',
  '9000002,2014-04-02T13:00:01.000Z,888888888,12',
  '9000002,2014-04-02T13:00:02.000Z,888888888,S',
  '9000002,2014-04-02T13:00:03.000Z,888888888,3',
  '9000002,2014-04-02T13:00:04.250Z,888888888,12',
  '9000003,2014-04-02T14:00:00.000Z,777777002,5',
  '9000003,2014-04-02T14:00:10.000Z,777777001,S',
  '9000004,2014-04-01T23:59:59.500Z,214500001,0',
  '9000004,2014-04-01T23:59:58.000Z,214500002,0',
  '9000004,2014-04-02T00:00:00.500Z,214500003,0',
];

const EXTRA_BUYS = [
  '9000001,2014-04-02T12:00:00.000Z,999999999,1000000,2',
  '9000001,2014-04-02T12:00:01.000Z,999999998,0,0',
  '9000002,2014-04-02T13:05:00.000Z,888888888,900000,1',
  '9000003,2014-04-02T14:05:00.000Z,777777001,800000,1',
  '9000003,2014-04-02T14:05:01.000Z,777777002,800000,1',
];

export async function writeFixture(sessions = 4000, seed = 11): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollup-fixture-'));
  await generateDataset({ outDir: dir, sessions, from: FIXTURE_DAYS[0], to: FIXTURE_DAYS.at(-1)!, seed });
  const clicksFile = path.join(dir, 'yoochoose-clicks.dat');
  const buysFile = path.join(dir, 'yoochoose-buys.dat');
  const keep = (file: string, dropDays: readonly string[], extra: readonly string[]) => {
    const rows = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
    const kept = rows.filter((line) => !dropDays.includes(line.split(',')[1]!.slice(0, 10)));
    fs.writeFileSync(file, `${[...kept, ...extra].join('\n')}\n`);
  };
  keep(clicksFile, [NO_DATA_DAY], EXTRA_CLICKS);
  keep(buysFile, [NO_DATA_DAY, NO_BUYS_DAY], EXTRA_BUYS);
  return { dir, clicksFile, buysFile };
}
