/**
 * The detector's state for one input partition: a window engine, the offset
 * of the next message to feed, and the rows it produced that are not yet
 * written. Its output is a pure function of the partition's messages from
 * the restored checkpoint on, whoever runs it and however the stream is cut
 * into fetches, micro-batches or processes: that is what makes replays and
 * partition hand-overs produce the same rows.
 *
 * One engine per partition (never one per process): a session lives in one
 * partition (the topic is keyed by session_id), so windows never span
 * partitions, and the watermark is per partition — a partition's windows
 * close as that partition's own event time passes them. With the producer
 * replaying in event-time order every partition's watermark advances at the
 * same pace; an idle partition holds its last windows open until it receives
 * a later click.
 */
import type { AnomalyType } from './rules.ts';
import type { AddResult, EmittedAnomaly, WindowEngine, WindowEngineSnapshot } from './windows/index.ts';

/** One anomaly row of SPEC §3, with its processing-time stamp. */
export interface DetectedRow extends EmittedAnomaly<AnomalyType> {
  /** When the window became final (processing time, epoch ms): the first batch whose clicks moved the watermark past its end. */
  readonly detectedAtMs: number;
}

/** The engine state after every message below `nextOffset`, ready to be stored. */
export interface PartitionCheckpoint {
  readonly partition: number;
  readonly nextOffset: number;
  readonly snapshot: WindowEngineSnapshot;
  readonly maxEventTimeMs: number | null;
  readonly openWindows: number;
}

export class PartitionDetector {
  /** Offset of the next message to feed. */
  nextOffset: number;
  /** The offset of the last checkpoint that is durable in PostgreSQL. */
  checkpointedOffset: number;
  lastCheckpointAtMs = 0;
  /** Time the last checkpoint took to snapshot and encode: what grows with the state. */
  lastCheckpointCostMs = 0;
  /** Latest end offset known for the partition (from fetch responses or the admin API), for the lag. */
  highWatermark: number;
  /** Rows produced but not yet handed to a micro-batch. */
  private rows: DetectedRow[] = [];

  constructor(
    readonly partition: number,
    readonly engine: WindowEngine<AnomalyType>,
    startOffset: number,
  ) {
    this.nextOffset = startOffset;
    this.checkpointedOffset = startOffset;
    this.highWatermark = startOffset;
  }

  /** Feeds one click at `offset` (≥ nextOffset); returns the engine's verdict. */
  feed(offset: number, sessionId: number, timestampMs: number, itemId: number): AddResult {
    const result = this.engine.addClick(sessionId, timestampMs, itemId);
    this.nextOffset = offset + 1;
    return result;
  }

  /** Moves past a message that carries no click (undecodable, tombstone): it changes no window. */
  skip(offset: number): void {
    this.nextOffset = offset + 1;
  }

  /** Stamps the rows of windows that became final since the last call, keeps them for the next micro-batch, and returns them. */
  collect(nowMs: number): DetectedRow[] {
    const emitted = this.engine.advance();
    const stamped = emitted.map((row) => ({ ...row, detectedAtMs: nowMs }));
    for (const row of stamped) this.rows.push(row);
    return stamped;
  }

  /** Hands over the rows collected so far. */
  takeRows(): DetectedRow[] {
    const rows = this.rows;
    this.rows = [];
    return rows;
  }

  pendingRows(): number {
    return this.rows.length;
  }

  /** True when there is progress to checkpoint and the spacing allows one (see DETECTOR_CHECKPOINT_INTERVAL_MS). */
  checkpointDue(nowMs: number, minIntervalMs: number): boolean {
    if (this.nextOffset <= this.checkpointedOffset) return false;
    return nowMs - this.lastCheckpointAtMs >= Math.max(minIntervalMs, 10 * this.lastCheckpointCostMs);
  }

  /**
   * The state to store. Call collect() first: rows not yet handed out would
   * otherwise sit in the snapshot's `pending`, and be written only by the
   * process that restores it.
   */
  checkpoint(): PartitionCheckpoint {
    const stats = this.engine.stats();
    return {
      partition: this.partition,
      nextOffset: this.nextOffset,
      snapshot: this.engine.snapshot(),
      maxEventTimeMs: stats.maxEventTimeMs,
      openWindows: stats.openWindows,
    };
  }

  /** Records that a checkpoint is durable; `costMs`: its snapshot + encoding time. */
  checkpointed(nextOffset: number, atMs: number, costMs: number): void {
    if (nextOffset > this.checkpointedOffset) this.checkpointedOffset = nextOffset;
    this.lastCheckpointAtMs = atMs;
    this.lastCheckpointCostMs = costMs;
  }

  lag(): number {
    return Math.max(0, this.highWatermark - this.nextOffset);
  }
}
