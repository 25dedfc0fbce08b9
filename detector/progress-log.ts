/**
 * The detector's periodic progress line (DETECTOR_LOG_INTERVAL_MS): events/s
 * since the last line, late events, open windows, consumer lag, the lowest
 * partition watermark, rows written and published, PostgreSQL up/down and
 * memory. It also refreshes the gauges of the Prometheus registry.
 */
import type { Logger } from '../lib/logger.ts';
import type { DetectorMetrics } from './metrics.ts';

export interface ProgressStatus {
  assignedPartitions: number[];
  partitions: { partition: number; lag: number; watermarkMs: number | null }[];
  openWindows: number;
  lag: number;
  postgresUp: boolean;
}

/** Starts the line; the returned timer is unref'd (clear it to stop). */
export function startProgressLog(
  deps: { logger: Logger; metrics: DetectorMetrics; status: () => ProgressStatus; refreshLag: () => Promise<void> },
  intervalMs: number,
): NodeJS.Timeout {
  const { logger, metrics } = deps;
  let lastEvents = 0;
  let lastTick = performance.now();
  const tick = async () => {
    await deps.refreshLag().catch(() => undefined);
    const s = deps.status();
    const now = performance.now();
    const { totals } = metrics;
    const perSecond = Math.round(((totals.events - lastEvents) * 1000) / Math.max(now - lastTick, 1));
    lastEvents = totals.events;
    lastTick = now;
    metrics.openWindows.set(s.openWindows);
    for (const p of s.partitions) {
      metrics.lag.set({ partition: String(p.partition) }, p.lag);
      if (p.watermarkMs !== null) metrics.watermark.set({ partition: String(p.partition) }, p.watermarkMs);
    }
    const watermarks = s.partitions.flatMap((p) => (p.watermarkMs === null ? [] : [p.watermarkMs]));
    logger.info(
      {
        eventsPerSecond: perSecond,
        events: totals.events,
        lateEvents: totals.lateEvents,
        openWindows: s.openWindows,
        lag: s.lag,
        partitions: s.assignedPartitions,
        watermark: watermarks.length > 0 ? new Date(Math.min(...watermarks)).toISOString() : null,
        rowsWritten: totals.written,
        published: totals.published,
        undecodable: totals.undecodable,
        postgres: s.postgresUp ? 'up' : 'down',
        rssMb: Math.round(process.memoryUsage.rss() / 1048576),
        heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1048576),
      },
      'detector progress',
    );
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return timer;
}
