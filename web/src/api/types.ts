/**
 * The shapes the dashboard reads from the gateway (graphql/schema.graphql),
 * field for field: DateTime is an ISO-8601 string, Date `YYYY-MM-DD`, Long a
 * JSON number.
 */
export type AnomalyType = 'HIGH_FREQUENCY' | 'BOT_LIKE';
export const ANOMALY_TYPES: AnomalyType[] = ['HIGH_FREQUENCY', 'BOT_LIKE'];

export interface Anomaly {
  sessionId: number;
  type: AnomalyType;
  windowStart: string;
  windowEnd: string;
  clickCount: number;
  uniqueItems: number;
  detectedAt: string;
}
