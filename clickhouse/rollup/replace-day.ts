/**
 * Replaces days of a serving table, each day atomically: the days' rows are
 * built in a private staging table (same structure, PARTITION BY day), then
 * swapped in with `ALTER TABLE … REPLACE PARTITION`, one partition per day,
 * all in one ALTER. A re-run therefore replaces a day and never appends a
 * second copy, and a reader sees either the old day or the new one. A day
 * that yields no rows has its partition dropped (REPLACE from an empty
 * source is refused by recent ClickHouse versions). The staging table is
 * dropped whatever happens.
 *
 * Several days go in one INSERT: the step's one-day SELECT once per day,
 * with its `{day:Date}` renamed `{day_<i>:Date}`, joined by UNION ALL — so
 * the SQL of a day stays the only definition, and ClickHouse runs the days
 * side by side.
 */
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { GuardianError } from '../../lib/errors.ts';
import type { RollupStep, Source } from './steps.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Table names go into the SQL text (ClickHouse takes no `{name:Identifier}`
 * after `CREATE TABLE … AS` or `REPLACE PARTITION … FROM`); they are the
 * steps' own constants and a random suffix, checked here all the same.
 * Values (the days) are always query parameters.
 */
function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new GuardianError(`not a plain identifier: "${name}"`);
  return `\`${name}\``;
}

export interface DaySource {
  day: string;
  source: Source;
}

/** The INSERT … SELECT filling `staging` with every day, and its parameters. */
export function stagingInsert(step: RollupStep, staging: string, days: readonly DaySource[]): { query: string; params: Record<string, string> } {
  const branches = days.map(({ source }, i) => `SELECT * FROM (${step.select(source).replaceAll('{day:Date}', `{day_${i}:Date}`)})`);
  return {
    query: `INSERT INTO ${identifier(staging)} (${step.columns.map(identifier).join(', ')})\n${branches.join('\nUNION ALL\n')}`,
    params: Object.fromEntries(days.map(({ day }, i) => [`day_${i}`, day])),
  };
}

/** Runs `step` for each day from its source into the serving table; returns the rows written per day. */
export async function replaceDays(client: ClickHouseClient, step: RollupStep, days: readonly DaySource[]): Promise<Map<string, number>> {
  const target = identifier(step.table);
  const stagingName = `_rollup_staging_${step.table}_${randomUUID().replaceAll('-', '')}`;
  const staging = identifier(stagingName);
  await client.command({ query: `CREATE TABLE ${staging} AS ${target}` });
  try {
    const insert = stagingInsert(step, stagingName, days);
    await client.command({ query: insert.query, query_params: insert.params });
    const result = await client.query({
      query: `SELECT toString(day) AS day, count() AS n FROM ${staging} GROUP BY day`,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    const counted = new Map((await result.json<{ day: string; n: number }>()).map((row) => [row.day, Number(row.n)]));
    const rows = new Map(days.map(({ day }) => [day, counted.get(day) ?? 0]));
    const commands = days.map(({ day }, i) =>
      rows.get(day)! > 0 ? `REPLACE PARTITION {day_${i}:Date} FROM ${staging}` : `DROP PARTITION {day_${i}:Date}`,
    );
    await client.command({ query: `ALTER TABLE ${target} ${commands.join(', ')}`, query_params: insert.params });
    return rows;
  } finally {
    // Never hide the step's own error behind a failed clean-up.
    await client.command({ query: `DROP TABLE IF EXISTS ${staging} SYNC` }).catch(() => undefined);
  }
}
