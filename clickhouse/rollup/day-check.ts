/**
 * Decides, per day, whether the live aggregates are exact, i.e. equal to the
 * raw rows taken once per Kafka message — the condition for a rollup step to
 * read them (`live`) instead of the raw tables (`raw`).
 *
 * A day's clicks are exact when
 * - no message was written twice: in the ingest ledger (060_ingest_ledger.sql)
 *   no two blocks of one (topic, partition) overlap in offsets — a
 *   redelivered message would, and the materialized views would have counted
 *   it twice;
 * - the ledger, `sessions_live` and `items_live` all count as many clicks as
 *   `clicks_raw` holds: every raw row went through the views (not so for rows
 *   written before the views existed, or raw rows deleted since).
 * A day's buys likewise, with the revenue compared too. Any doubt means
 * `raw`, which is always right, only slower. The check reads the ledger and
 * the aggregates, and only counts raw rows (a primary-key range).
 *
 * Results are kept for the life of the checker (one rollup invocation); a
 * day still receiving events is rolled up as of the moment and should be
 * re-run once it is complete.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { addDays } from './days.ts';
import type { RollupStep, Source } from './steps.ts';

export interface DayExactness {
  clicks: boolean;
  buys: boolean;
}

interface Totals {
  what: 'clicks' | 'buys' | 'ledger_clicks' | 'ledger_buys' | 'sessions_live' | 'items_live';
  day: string;
  clicks: number;
  purchases: number;
  revenue: number;
  overlaps: number;
}

/** Per day: raw counts, ledger counts and offset overlaps, live-aggregate totals — one round trip. */
const TOTALS = `
  SELECT 'clicks' AS what, toDate(timestamp) AS day, count() AS clicks, toUInt64(0) AS purchases, toInt64(0) AS revenue, toUInt64(0) AS overlaps
  FROM clicks_raw WHERE toDate(timestamp) IN {days:Array(Date)} GROUP BY day
  UNION ALL
  SELECT 'buys', toDate(timestamp), toUInt64(0), count(), toInt64(sum(price * quantity)), toUInt64(0)
  FROM purchases_raw WHERE toDate(timestamp) IN {days:Array(Date)} GROUP BY 2
  UNION ALL
  SELECT if(source_table = 'clicks_raw', 'ledger_clicks', 'ledger_buys'), day, sum(rows), sum(rows), toInt64(0), countIf(overlap)
  FROM (
      SELECT day, source_table, rows,
             first_offset <= max(toNullable(last_offset)) OVER (
                 PARTITION BY day, source_table, topic, partition ORDER BY first_offset, last_offset
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS overlap
      FROM ingest_ledger WHERE day IN {days:Array(Date)})
  GROUP BY 1, 2
  UNION ALL
  SELECT 'sessions_live', day, sum(clicks), sum(purchases), toInt64(sum(revenue)), toUInt64(0)
  FROM sessions_live WHERE day IN {days:Array(Date)} GROUP BY day
  UNION ALL
  SELECT 'items_live', day, sum(clicks), sum(purchases), toInt64(sum(revenue)), toUInt64(0)
  FROM items_live WHERE day IN {days:Array(Date)} GROUP BY day`;

export class DayChecker {
  private readonly known = new Map<string, Promise<DayExactness>>();

  constructor(private readonly client: ClickHouseClient) {}

  /** Exactness of each day, checking the days not known yet in one round. */
  exactness(days: readonly string[]): Promise<DayExactness[]> {
    const missing = [...new Set(days.filter((day) => !this.known.has(day)))];
    if (missing.length > 0) {
      const fetched = this.fetch(missing);
      missing.forEach((day, i) => {
        const one = fetched.then((all) => all[i]!);
        // A failed check is forgotten, so that the step's next attempt checks again.
        one.catch(() => {
          if (this.known.get(day) === one) this.known.delete(day);
        });
        this.known.set(day, one);
      });
    }
    return Promise.all(days.map((day) => this.known.get(day)!));
  }

  /** Starts checking days ahead of need; a failure here only means checking again later. */
  prefetch(days: readonly string[]): void {
    this.exactness(days).catch(() => undefined);
  }

  /** Per day: `live` when every day the step reads for it is exact for what it reads, else `raw`. */
  async sourcesFor(step: RollupStep, days: readonly string[]): Promise<Source[]> {
    const reads = days.map((day) => step.reads.dayOffsets.map((offset) => addDays(day, offset)));
    const all = [...new Set(reads.flat())];
    const exact = new Map((await this.exactness(all)).map((e, i) => [all[i]!, e]));
    return reads.map((list) => (list.every((d) => exact.get(d)!.clicks && (!step.reads.buys || exact.get(d)!.buys)) ? 'live' : 'raw'));
  }

  private async fetch(days: string[]): Promise<DayExactness[]> {
    const result = await this.client.query({
      query: TOTALS,
      query_params: { days },
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    const totals = new Map((await result.json<Totals>()).map((t) => [`${t.what} ${t.day}`, t]));
    const none: Totals = { what: 'clicks', day: '', clicks: 0, purchases: 0, revenue: 0, overlaps: 0 };
    return days.map((day) => {
      const get = (what: Totals['what']) => totals.get(`${what} ${day}`) ?? none;
      const [clicks, buys, ledgerClicks, ledgerBuys] = [get('clicks'), get('buys'), get('ledger_clicks'), get('ledger_buys')];
      const live = [get('sessions_live'), get('items_live')];
      return {
        clicks:
          Number(ledgerClicks.overlaps) === 0 &&
          Number(ledgerClicks.clicks) === Number(clicks.clicks) &&
          live.every((l) => Number(l.clicks) === Number(clicks.clicks)),
        buys:
          Number(ledgerBuys.overlaps) === 0 &&
          Number(ledgerBuys.purchases) === Number(buys.purchases) &&
          live.every((l) => Number(l.purchases) === Number(buys.purchases) && Number(l.revenue) === Number(buys.revenue)),
      };
    });
  }
}
