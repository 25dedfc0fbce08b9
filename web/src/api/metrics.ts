/** Daily metrics (SPEC §4), the funnel (SPEC §5) and the period summary. */
import { GraphQLRequestError, request } from '../lib/graphql.ts';
import { DAILY_METRICS, FUNNEL } from './documents.ts';

export type MetricsSource = 'ROLLUP' | 'LIVE';

export interface DailyMetrics {
  date: string;
  source: MetricsSource;
  totalClicks: number;
  totalPurchases: number;
  uniqueSessions: number;
  uniqueItems: number;
  conversionRate: number;
  avgSessionDurationSec: number;
  avgClicksPerSession: number;
  totalRevenue: number;
  avgOrderValue: number;
}

/** One row per day with data in [from, to], in day order. */
export async function fetchDailyMetrics(from: string, to: string, signal?: AbortSignal): Promise<DailyMetrics[]> {
  const data = await request<{ dailyMetrics: DailyMetrics[] }>(
    DAILY_METRICS,
    { from, to },
    signal,
  );
  return data.dailyMetrics;
}

export interface FunnelStage {
  stage: number;
  name: string;
  sessions: number;
  percentage: number;
  dropRate: number;
}

export interface Funnel {
  date: string;
  source: MetricsSource;
  stages: FunnelStage[];
}

/** The funnel of a day; null when the day has no data (the gateway's NOT_FOUND). */
export async function fetchFunnel(date: string, signal?: AbortSignal): Promise<Funnel | null> {
  try {
    const data = await request<{ funnel: Funnel }>(
      FUNNEL,
      { date },
      signal,
    );
    return data.funnel;
  } catch (error) {
    if (error instanceof GraphQLRequestError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

export interface Summary {
  from: string | null;
  to: string | null;
  daysWithData: number;
  totalClicks: number;
  totalPurchases: number;
  totalRevenue: number;
  uniqueSessions: number;
  uniqueItems: number;
  conversionRate: number;
  avgOrderValue: number;
  avgClicksPerSession: number;
  avgSessionDurationSec: number;
}
