import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stagingInsert } from '../../clickhouse/rollup/replace-day.ts';
import { ROLLUP_STAGES, ROLLUP_STEPS, STEP_NAMES } from '../../clickhouse/rollup/steps.ts';
import { PROJECT_ROOT } from '../../lib/config.ts';

/** Column names of each CREATE TABLE in a DDL file. */
function ddlColumns(file: string): Map<string, string[]> {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, 'clickhouse/ddl', file), 'utf8').replace(/^\s*--.*$/gm, '');
  const tables = new Map<string, string[]>();
  for (const match of text.matchAll(/CREATE TABLE IF NOT EXISTS \{\{database\}\}\.(\w+)\s*\(([\s\S]*?)\)\s*ENGINE/g)) {
    tables.set(match[1]!, [...match[2]!.matchAll(/^\s*(\w+)\s+\S/gm)].map((m) => m[1]!));
  }
  return tables;
}

describe('rollup steps', () => {
  it('run in the order of issue 6: daily metrics, then funnel and popularity together, then trending', () => {
    expect(ROLLUP_STAGES).toEqual([['daily_metrics'], ['session_funnel', 'popular_items', 'popular_categories'], ['trending']]);
  });

  it('write exactly the columns of their serving tables, in order', () => {
    const tables = ddlColumns('040_rollup_tables.sql');
    for (const name of STEP_NAMES) expect(ROLLUP_STEPS[name].columns).toEqual(tables.get(ROLLUP_STEPS[name].table));
  });

  it('take the day only as a {day:Date} parameter, from either source', () => {
    for (const name of STEP_NAMES) {
      for (const source of ['live', 'raw'] as const) {
        const sql = ROLLUP_STEPS[name].select(source);
        expect([...sql.matchAll(/\{(\w+):([^}]+)\}/g)].map((m) => `${m[1]}:${m[2]}`).every((p) => p === 'day:Date')).toBe(true);
        expect(sql).toContain('{day:Date}');
        expect(sql.includes('_raw')).toBe(source === 'raw');
        expect(sql.includes('LIMIT 1 BY _topic, _partition, _offset')).toBe(source === 'raw');
      }
    }
  });

  it('batch several days into one INSERT, each day its own parameter and source', () => {
    const { query, params } = stagingInsert(ROLLUP_STEPS.trending, 'staging_x', [
      { day: '2014-04-01', source: 'live' },
      { day: '2014-04-02', source: 'raw' },
    ]);
    expect(params).toEqual({ day_0: '2014-04-01', day_1: '2014-04-02' });
    expect(query).not.toContain('{day:Date}');
    expect(query.startsWith('INSERT INTO `staging_x` (`day`, `rank`, `item_id`, `recent_clicks`, `baseline_clicks`, `trend_score`)')).toBe(true);
    const [first, second] = query.split('\nUNION ALL\n');
    expect(first).toContain('{day_0:Date}');
    expect(first).toContain('items_live');
    expect(first).not.toContain('{day_1:Date}');
    expect(second).toContain('{day_1:Date}');
    expect(second).toContain('clicks_raw');
  });

  it('refuse a table name that is not a plain identifier', () => {
    expect(() => stagingInsert(ROLLUP_STEPS.trending, 'x; DROP TABLE y', [{ day: '2014-04-01', source: 'live' }])).toThrow(/not a plain identifier/);
  });
});
