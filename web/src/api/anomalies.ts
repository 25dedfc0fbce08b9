/** Anomaly queries: the list (cursor pages), counts by type, hourly timeline, one session's detail. */
import { GraphQLRequestError, request } from '../lib/graphql.ts';
import { ANOMALIES, ANOMALY_COUNTS, ANOMALY_DETECTED, ANOMALY_TIMELINE, SESSION } from './documents.ts';
import type { Anomaly, AnomalyType } from './types.ts';


export interface AnomalyFilter {
  type?: AnomalyType;
  sessionId?: number;
  /** ISO instants: window start in [from, to). */
  from?: string;
  to?: string;
}

export interface AnomalyPage {
  totalCount: number;
  rows: Anomaly[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export async function fetchAnomalies(filter: AnomalyFilter, first: number, after: string | undefined, signal?: AbortSignal): Promise<AnomalyPage> {
  const data = await request<{
    anomalies: { totalCount: number; edges: { node: Anomaly }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
  }>(
    ANOMALIES,
    { first, after, ...filter },
    signal,
  );
  const a = data.anomalies;
  return { totalCount: a.totalCount, rows: a.edges.map((e) => e.node), endCursor: a.pageInfo.endCursor, hasNextPage: a.pageInfo.hasNextPage };
}

export interface TypeCount {
  type: AnomalyType;
  anomalies: number;
  sessions: number;
}

/** Anomalies and sessions per type (every type, zeros included) with window start in [from, to). */
export async function fetchAnomalyCounts(range: { from?: string; to?: string }, signal?: AbortSignal): Promise<TypeCount[]> {
  const data = await request<{ anomalyCounts: TypeCount[] }>(
    ANOMALY_COUNTS,
    { from: range.from, to: range.to },
    signal,
  );
  return data.anomalyCounts;
}

export interface TimelineBucket {
  /** Start of the UTC hour. */
  hour: string;
  total: number;
  byType: { type: AnomalyType; anomalies: number }[];
}

export interface Timeline {
  /** First hour's start and last hour's end (the hour holding the data clock); null before any data. */
  from: string | null;
  to: string | null;
  /** One per hour, oldest first, empty hours included. */
  buckets: TimelineBucket[];
}

export async function fetchAnomalyTimeline(hours: number, signal?: AbortSignal): Promise<Timeline> {
  const data = await request<{ anomalyTimeline: Timeline }>(
    ANOMALY_TIMELINE,
    { hours },
    signal,
  );
  return data.anomalyTimeline;
}

export interface SessionDetail {
  id: number;
  clickCount: number;
  uniqueItems: number;
  firstClickAt: string | null;
  lastClickAt: string | null;
  durationSeconds: number | null;
  purchaseCount: number;
  revenue: number;
  anomalies: Anomaly[];
  clicks: { timestamp: string; itemId: number; category: string }[];
  purchases: { timestamp: string; itemId: number; price: number; quantity: number; amount: number }[];
}

/** How many of a session's clicks and purchases the drill-down lists. */
export const SESSION_EVENT_LIMIT = 200;

/** One session; null when it has neither events nor anomalies (the gateway's NOT_FOUND). */
export async function fetchSession(id: number, signal?: AbortSignal): Promise<SessionDetail | null> {
  try {
    const data = await request<{ session: SessionDetail }>(
      SESSION,
      { id, limit: SESSION_EVENT_LIMIT },
      signal,
    );
    return data.session;
  } catch (error) {
    if (error instanceof GraphQLRequestError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

export const ANOMALY_SUBSCRIPTION = ANOMALY_DETECTED;
