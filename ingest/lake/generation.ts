/**
 * What one topic sink holds for one consumer-group assignment (from a
 * GROUP_JOIN to the next): the partitions' files, restored from the
 * committed checkpoints, and the flush lock.
 *
 * Guarantees: a partition's state is built only after the previous
 * assignment's work has settled (its last commit landed or failed), and from
 * the checkpoint committed at that moment, so the state always starts from
 * what Kafka holds; flushes (commit + uploads) never overlap, so commits
 * reach Kafka in the order their snapshots were taken.
 */
import type { Checkpoint } from './commit-journal.ts';
import type { ClosePolicy } from './close-policy.ts';
import type { LakeRow } from './lake-schema.ts';
import { PartitionFiles } from './partition-files.ts';

export type CommittedOffsets = Map<number, Checkpoint>;

export class Generation {
  readonly abort = new AbortController();
  readonly partitions = new Map<number, PartitionFiles<LakeRow>>();
  /** Per partition, the `offset|metadata` last committed by this generation. */
  readonly lastCommitted = new Map<number, string>();
  /** Set when the group starts rebalancing: no more commits from this generation. */
  fenced = false;
  private checkpoints: Promise<CommittedOffsets> | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  /** Resolves when the flush loop of this generation has ended. */
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly id: number,
    readonly assigned: readonly number[],
    private readonly previousSettled: Promise<void>,
    private readonly fetchCheckpoints: () => Promise<CommittedOffsets>,
    private readonly policy: ClosePolicy,
  ) {}

  get aborted(): boolean {
    return this.abort.signal.aborted;
  }

  /** The partition's files, restored from its committed checkpoint on first use. */
  async partition(partition: number): Promise<PartitionFiles<LakeRow>> {
    const existing = this.partitions.get(partition);
    if (existing) return existing;
    if (!this.checkpoints) {
      const fetching = this.previousSettled.then(() => this.fetchCheckpoints());
      fetching.catch(() => {
        if (this.checkpoints === fetching) this.checkpoints = undefined; // the next batch asks again
      });
      this.checkpoints = fetching;
    }
    const checkpoints = await this.checkpoints;
    let files = this.partitions.get(partition);
    if (!files) {
      files = new PartitionFiles<LakeRow>(partition, checkpoints.get(partition), this.policy);
      this.partitions.set(partition, files);
    }
    return files;
  }

  /** Runs `fn` after every earlier `exclusive` call has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Resolves on `wake()` or after `ms`, whichever comes first. */
  tick(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      this.wakeUp = done;
      signal.addEventListener('abort', done);
    });
  }

  wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  bufferedRows(): number {
    let n = 0;
    for (const files of this.partitions.values()) n += files.bufferedRows();
    return n;
  }
}
