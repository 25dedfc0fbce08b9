/**
 * `rollup_runs`: one row per attempt of a step (success or failed), and one
 * `skipped` row (attempt 0) for a step that did not run because an earlier
 * stage of its day failed. Written when the attempt ends, with the source
 * the attempt read (`live` or `raw`, empty when it failed before choosing).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Source, StepName } from './steps.ts';

export type AttemptStatus = 'success' | 'failed' | 'skipped';

export interface AttemptRecord {
  runId: string;
  day: string;
  step: StepName;
  attempt: number;
  status: AttemptStatus;
  startedAt: number;
  finishedAt: number;
  rowsWritten: number;
  source: Source | '';
  error: string;
}

/** Epoch ms → `YYYY-MM-DD HH:MM:SS.mmm`, as a DateTime64(3, 'UTC') column reads it. */
const dateTime64 = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

/** Writes attempt rows (one per day of the attempt) in one insert. */
export async function recordAttempts(client: ClickHouseClient, records: readonly AttemptRecord[]): Promise<void> {
  await client.insert({
    table: 'rollup_runs',
    format: 'JSONEachRow',
    values: records.map((record) => ({
      run_id: record.runId,
      day: record.day,
      step: record.step,
      attempt: record.attempt,
      status: record.status,
      started_at: dateTime64(record.startedAt),
      finished_at: dateTime64(record.finishedAt),
      duration_ms: Math.max(0, Math.round(record.finishedAt - record.startedAt)),
      rows_written: record.rowsWritten,
      source: record.source,
      error: record.error,
    })),
  });
}
