/**
 * Every GraphQL operation the dashboard sends, in one place. They are
 * checked against the gateway's committed schema (graphql/schema.graphql)
 * by test/e2e/dashboard-documents.e2e.test.ts, so a schema change that
 * breaks the dashboard fails a test without a browser.
 */
const ANOMALY_FIELDS = 'sessionId type windowStart windowEnd clickCount uniqueItems detectedAt';
const HEALTH_FIELDS = 'status checkedAt dependencies { name up latencyMs error critical }';
const SUMMARY_FIELDS =
  'from to daysWithData totalClicks totalPurchases totalRevenue uniqueSessions uniqueItems conversionRate avgOrderValue avgClicksPerSession avgSessionDurationSec';
const DAILY_FIELDS =
  'date source totalClicks totalPurchases uniqueSessions uniqueItems conversionRate avgSessionDurationSec avgClicksPerSession totalRevenue avgOrderValue';

export const ANOMALIES = `query Anomalies($first: Int, $after: String, $type: AnomalyType, $sessionId: Long, $from: DateTime, $to: DateTime) {
  anomalies(first: $first, after: $after, type: $type, sessionId: $sessionId, from: $from, to: $to) {
    totalCount
    edges { node { ${ANOMALY_FIELDS} } }
    pageInfo { endCursor hasNextPage }
  }
}`;

export const ANOMALY_COUNTS = `query AnomalyCounts($from: DateTime, $to: DateTime) {
  anomalyCounts(from: $from, to: $to) { type anomalies sessions }
}`;

export const ANOMALY_TIMELINE = `query AnomalyTimeline($hours: Int) {
  anomalyTimeline(hours: $hours) { from to buckets { hour total byType { type anomalies } } }
}`;

export const SESSION = `query Session($id: Long!, $limit: Int) {
  session(id: $id) {
    id clickCount uniqueItems firstClickAt lastClickAt durationSeconds purchaseCount revenue
    anomalies { ${ANOMALY_FIELDS} }
    clicks(limit: $limit) { timestamp itemId category }
    purchases(limit: $limit) { timestamp itemId price quantity amount }
  }
}`;

export const ANOMALY_DETECTED = `subscription AnomalyDetected { anomalyDetected { ${ANOMALY_FIELDS} } }`;

export const DAILY_METRICS = `query DailyMetrics($from: Date!, $to: Date!) { dailyMetrics(from: $from, to: $to) { ${DAILY_FIELDS} } }`;

export const FUNNEL = `query Funnel($date: Date!) { funnel(date: $date) { date source stages { stage name sessions percentage dropRate } } }`;

export const POPULAR_ITEMS = `query PopularItems($date: Date!) {
  popularItems(date: $date, limit: 100) { rank itemId category clickCount purchaseCount revenue clickToPurchaseRatio }
}`;

export const POPULAR_CATEGORIES = `query PopularCategories($date: Date!) {
  popularCategories(date: $date, limit: 20) { rank category itemCount clickCount purchaseCount revenue clickToPurchaseRatio }
}`;

export const TRENDING_ITEMS = `query TrendingItems($date: Date!) {
  trendingItems(date: $date, limit: 10) { items { rank itemId recentClicks baselineClicks trendScore } }
}`;

export const DATA_CLOCK = 'query DataClock { dataClock { time date } }';

export const OVERVIEW = `query Overview($from: DateTime, $to: DateTime) {
  summary { ${SUMMARY_FIELDS} }
  anomalyCounts(from: $from, to: $to) { type anomalies sessions }
}`;

export const HEALTH = `query Health { health { ${HEALTH_FIELDS} } }`;

export const PIPELINE = `query Pipeline($runs: Int) {
  pipelineStatus {
    consumerGroups { component groupId topic state members totalLag error }
    deadLetters { topic messages error clickhouseParseErrors { topic count } }
    rollupRuns(limit: $runs) { runId date step attempt status startedAt finishedAt durationMs rowsWritten error }
  }
  health { ${HEALTH_FIELDS} }
  systemStats {
    totalClicks totalPurchases totalRevenue uniqueSessions uniqueItems daysWithData firstDate lastDate
    anomalies anomalousSessions lastAnomalyDetectedAt
    gateway { version uptimeSeconds liveSubscribers }
  }
}`;
