/**
 * The detector's metrics: Prometheus series (prom-client, a registry per
 * detector so several can live in one process) served on
 * DETECTOR_METRICS_PORT at /metrics, and the figures of the periodic
 * progress line. Counters count what this process did since it started
 * (a replay after a restart counts again); the window engine's own
 * cumulative counters travel in the checkpoints.
 */
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface DetectorTotals {
  /** Clicks fed to the engines. */
  events: number;
  /** Clicks dropped because every window they belong to was already final (SPEC §3 late events). */
  lateEvents: number;
  /** Messages that were not a decodable ClickEvent (skipped, logged). */
  undecodable: number;
  /** Rows the engines emitted (a replayed window again). */
  detected: number;
  /** Rows new to anomaly_sessions. */
  written: number;
  /** AnomalyEvents committed to the anomaly topic (Kafka transactions). */
  published: number;
  microBatches: number;
  checkpoints: number;
}

export class DetectorMetrics {
  readonly registry = new Registry();
  readonly totals: DetectorTotals = { events: 0, lateEvents: 0, undecodable: 0, detected: 0, written: 0, published: 0, microBatches: 0, checkpoints: 0 };

  private readonly events = new Counter({ name: 'detector_events_total', help: 'Clicks fed to the window engines', registers: [this.registry] });
  private readonly late = new Counter({
    name: 'detector_late_events_total',
    help: 'Clicks dropped as late: every window they belong to was already final',
    registers: [this.registry],
  });
  private readonly lateMemberships = new Counter({
    name: 'detector_late_window_memberships_total',
    help: '(click, window) pairs skipped because that window was final',
    labelNames: ['anomaly_type'],
    registers: [this.registry],
  });
  private readonly undecodable = new Counter({ name: 'detector_undecodable_total', help: 'Messages skipped: not a decodable ClickEvent', registers: [this.registry] });
  private readonly detected = new Counter({
    name: 'detector_anomalies_detected_total',
    help: 'Rows emitted by the engines (replays included)',
    labelNames: ['anomaly_type'],
    registers: [this.registry],
  });
  private readonly written = new Counter({
    name: 'detector_anomalies_written_total',
    help: 'Rows new to anomaly_sessions',
    labelNames: ['anomaly_type'],
    registers: [this.registry],
  });
  private readonly published = new Counter({ name: 'detector_anomalies_published_total', help: 'AnomalyEvents committed to the anomaly topic', registers: [this.registry] });
  readonly openWindows = new Gauge({ name: 'detector_open_windows', help: 'Open windows held, all owned partitions', registers: [this.registry] });
  readonly lag = new Gauge({ name: 'detector_consumer_lag', help: 'Messages not yet fed, per partition', labelNames: ['partition'], registers: [this.registry] });
  readonly watermark = new Gauge({ name: 'detector_watermark_ms', help: 'Watermark (event time, epoch ms), per partition', labelNames: ['partition'], registers: [this.registry] });
  readonly postgresUp = new Gauge({ name: 'detector_postgres_up', help: '1 when the last micro-batch transaction succeeded', registers: [this.registry] });
  readonly microBatchSeconds = new Histogram({
    name: 'detector_micro_batch_seconds',
    help: 'Duration of a micro-batch: transaction, publishing and offset commit',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly checkpointBytes = new Gauge({ name: 'detector_checkpoint_bytes', help: 'Size of the last checkpoint written (gzip), all its partitions', registers: [this.registry] });

  constructor() {
    this.postgresUp.set(1);
  }

  fed(events: number, late: number): void {
    this.totals.events += events;
    this.totals.lateEvents += late;
    this.events.inc(events);
    if (late > 0) this.late.inc(late);
  }

  lateMembership(type: string, n: number): void {
    if (n > 0) this.lateMemberships.inc({ anomaly_type: type }, n);
  }

  skippedUndecodable(n = 1): void {
    this.totals.undecodable += n;
    this.undecodable.inc(n);
  }

  detectedRows(type: string, n: number): void {
    this.totals.detected += n;
    this.detected.inc({ anomaly_type: type }, n);
  }

  wroteRows(byType: Record<string, number>): void {
    for (const [type, n] of Object.entries(byType)) {
      this.totals.written += n;
      this.written.inc({ anomaly_type: type }, n);
    }
  }

  publishedEvents(n: number): void {
    this.totals.published += n;
    if (n > 0) this.published.inc(n);
  }
}

/** Serves the registry at GET /metrics. */
export async function serveMetrics(registry: Registry, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return server;
}
