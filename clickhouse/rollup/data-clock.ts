/**
 * The data clock (SPEC §7): the largest event time ingested, read from the
 * `data_clock` view (clicks and buys alike). A replayed 2014 stream has its
 * "yesterday" relative to this, not to the wall clock.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { GuardianError } from '../../lib/errors.ts';
import { dayBeforeDataClock } from './days.ts';

/** Epoch ms of the data clock, or undefined while nothing has been ingested. */
export async function readDataClock(client: ClickHouseClient): Promise<number | undefined> {
  const result = await client.query({
    query: 'SELECT toUnixTimestamp64Milli(data_clock) AS ms FROM data_clock',
    format: 'JSONEachRow',
  });
  const ms = Number((await result.json<{ ms: string | number }>())[0]?.ms ?? 0);
  return ms > 0 ? ms : undefined;
}

/** The day before the data clock's day: what a rollup without `--day` computes. */
export async function defaultRollupDay(client: ClickHouseClient): Promise<string> {
  const clock = await readDataClock(client);
  if (clock === undefined) {
    throw new GuardianError('no events have been ingested yet, so there is no data clock to take "yesterday" from; pass --day YYYY-MM-DD');
  }
  return dayBeforeDataClock(clock);
}
