/** The data clock, the overview's facts, dependency health, system stats and the pipeline status. */
import { request } from '../lib/graphql.ts';
import { lastHoursOfClock } from '../lib/time-range.ts';
import { DATA_CLOCK, HEALTH, OVERVIEW, PIPELINE } from './documents.ts';
import type { Summary } from './metrics.ts';
import type { TypeCount } from './anomalies.ts';

export interface DataClock {
  /** Largest event time ingested (ISO); null before any data. */
  time: string | null;
  /** Its UTC day. */
  date: string | null;
}

export async function fetchDataClock(signal?: AbortSignal): Promise<DataClock> {
  const data = await request<{ dataClock: DataClock }>(DATA_CLOCK, {}, signal);
  return data.dataClock;
}

export interface DependencyHealth {
  name: string;
  up: boolean;
  latencyMs: number;
  error: string | null;
  critical: boolean;
}

export interface Health {
  status: 'OK' | 'DEGRADED' | 'DOWN';
  checkedAt: string;
  dependencies: DependencyHealth[];
}

export interface Overview {
  dataClock: DataClock;
  summary: Summary;
  /** Anomalies whose window started in the 24 h up to the data clock, per type. */
  recentCounts: TypeCount[];
}

export async function fetchOverview(signal?: AbortSignal): Promise<Overview> {
  // Two round trips: the 24 h are relative to the data clock, which the first one reads.
  const clock = await fetchDataClock(signal);
  const range = clock.time ? lastHoursOfClock(clock.time, 24) : undefined;
  const data = await request<{ summary: Summary; anomalyCounts: TypeCount[] }>(
    OVERVIEW,
    { from: range?.from, to: range?.to },
    signal,
  );
  return { dataClock: clock, summary: data.summary, recentCounts: range ? data.anomalyCounts : [] };
}

export async function fetchHealth(signal?: AbortSignal): Promise<Health> {
  return (await request<{ health: Health }>(HEALTH, {}, signal)).health;
}

export interface GroupLag {
  component: string;
  groupId: string;
  topic: string;
  state: string;
  members: number;
  totalLag: number;
  error: string | null;
}

export interface DeadLetters {
  topic: string;
  messages: number | null;
  error: string | null;
  clickhouseParseErrors: { topic: string; count: number }[];
}

export interface RollupRun {
  runId: string;
  date: string;
  step: string;
  attempt: number;
  status: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  rowsWritten: number;
  error: string | null;
}

export interface SystemStats {
  totalClicks: number;
  totalPurchases: number;
  totalRevenue: number;
  uniqueSessions: number;
  uniqueItems: number;
  daysWithData: number;
  firstDate: string | null;
  lastDate: string | null;
  anomalies: number;
  anomalousSessions: number;
  lastAnomalyDetectedAt: string | null;
  gateway: { version: string; uptimeSeconds: number; liveSubscribers: number };
}

export interface Pipeline {
  pipelineStatus: { consumerGroups: GroupLag[]; deadLetters: DeadLetters; rollupRuns: RollupRun[] };
  health: Health;
  systemStats: SystemStats;
}

export const ROLLUP_RUNS_SHOWN = 20;

export async function fetchPipeline(signal?: AbortSignal): Promise<Pipeline> {
  return request<Pipeline>(
    PIPELINE,
    { runs: ROLLUP_RUNS_SHOWN },
    signal,
  );
}
