/**
 * The lake files of one Kafka partition: open files per event hour, closed
 * files waiting for their upload, and the commit point (see
 * commit-journal.ts). No I/O: the sink feeds records in offset order and
 * asks what to upload and what to commit.
 *
 * Guarantees:
 * - a file holds records of one event hour only, in offset order, and the
 *   files of one hour are contiguous runs of that hour's records;
 * - restarted from a checkpoint, records below its offset are skipped,
 *   records of journaled-and-uploaded files are skipped, and records of
 *   journaled-not-uploaded files are rebuilt into exactly the journaled
 *   [first, last] range (no policy close can cut such a file short);
 * - every other close is decided by the close policy and becomes final only
 *   when a commit carrying it succeeds (`markJournaled`): only then may the
 *   file be uploaded.
 */
import { checkpointOf, covers, type Checkpoint, type JournalEntry } from './commit-journal.ts';
import { closeReason, type ClosePolicy, type CloseReason } from './close-policy.ts';
import { hourIndexOf } from './lake-path.ts';

export interface LakeFile<R> {
  readonly partition: number;
  /** Event hour (epoch hour index). */
  readonly hour: number;
  readonly firstOffset: number;
  lastOffset: number;
  /** Buffered rows; emptied once the file is uploaded. */
  rows: R[];
  rowCount: number;
  readonly openedAtMs: number;
  /** Set while rebuilding a journaled file: it closes at exactly this offset. */
  readonly forcedLast?: number;
  closeReason?: CloseReason;
  /** Its boundary is in a successful commit: it may be uploaded. */
  journaled: boolean;
  /** Uploaded. */
  durable: boolean;
}

export interface CommitSnapshot<R> {
  checkpoint: Checkpoint;
  /** Closed files whose boundary this checkpoint journals for the first time. */
  newlyJournaled: LakeFile<R>[];
}

export class PartitionFiles<R> {
  private readonly open = new Map<number, LakeFile<R>>();
  private closed: LakeFile<R>[] = [];
  /** Journal entries restored at start and not rebuilt yet. */
  private restored: JournalEntry[];
  private readonly floor: number;
  private nextOffset: number | undefined;
  private watermarkMs = -Infinity;
  /** Records skipped because an uploaded file already holds them. */
  skipped = 0;
  /** Records passed over by `skip`. */
  deadLettered = 0;
  appended = 0;

  constructor(
    readonly partition: number,
    restoredFrom: Checkpoint | undefined,
    private readonly policy: ClosePolicy,
  ) {
    this.floor = restoredFrom?.offset ?? -1;
    this.nextOffset = restoredFrom?.offset;
    this.restored = [...(restoredFrom?.entries ?? [])];
  }

  /** True when the record at `offset` was already read (appended, skipped or dead-lettered). */
  hasRead(offset: number): boolean {
    return this.nextOffset !== undefined && offset < this.nextOffset;
  }

  /**
   * Passes over the record at `offset` without storing it (it went to the
   * dead-letter topic instead): only the read position moves.
   */
  skip(offset: number): void {
    if (this.nextOffset !== undefined && offset < this.nextOffset) return;
    this.nextOffset = offset + 1;
    this.deadLettered++;
  }

  /** Adds the record at `offset` (offsets must increase; a repeated one is ignored). */
  append(offset: number, eventTimeMs: number, row: R, wallMs: number): void {
    if (this.nextOffset !== undefined && offset < this.nextOffset) return;
    this.nextOffset = offset + 1;
    const hour = hourIndexOf(eventTimeMs);
    const entry = this.restored.length > 0 ? this.restored.find((e) => covers(e, hour, offset)) : undefined;
    if (entry) {
      if (entry.durable || entry.first < this.floor) {
        this.skipped++;
        return;
      }
      this.rebuild(entry, offset, row, wallMs);
      return;
    }
    let file = this.open.get(hour);
    if (file?.forcedLast !== undefined) {
      // The journaled file's last record never came back (deleted by retention?): end it here.
      this.close(file, 'journal');
      file = undefined;
    }
    if (!file) {
      file = this.openFile(hour, offset, wallMs);
    }
    file.rows.push(row);
    file.rowCount++;
    file.lastOffset = offset;
    this.appended++;
    if (eventTimeMs > this.watermarkMs) this.watermarkMs = eventTimeMs;
    if (file.rowCount >= this.policy.maxRows) this.close(file, 'rows');
  }

  private rebuild(entry: JournalEntry, offset: number, row: R, wallMs: number): void {
    let file = this.open.get(entry.hour);
    if (file && file.firstOffset !== entry.first) {
      this.close(file, 'journal');
      file = undefined;
    }
    file ??= this.openFile(entry.hour, entry.first, wallMs, entry.last);
    file.rows.push(row);
    file.rowCount++;
    file.lastOffset = offset;
    this.appended++;
    if (offset >= entry.last) this.close(file, 'journal');
  }

  private openFile(hour: number, firstOffset: number, wallMs: number, forcedLast?: number): LakeFile<R> {
    const file: LakeFile<R> = {
      partition: this.partition,
      hour,
      firstOffset,
      lastOffset: firstOffset,
      rows: [],
      rowCount: 0,
      openedAtMs: wallMs,
      forcedLast,
      journaled: false,
      durable: false,
    };
    this.open.set(hour, file);
    return file;
  }

  private close(file: LakeFile<R>, reason: CloseReason): void {
    this.open.delete(file.hour);
    file.closeReason = reason;
    if (file.forcedLast !== undefined) {
      // Its boundary is already in the committed journal: replace the restored entry by the file.
      file.journaled = true;
      this.restored = this.restored.filter((e) => !(e.hour === file.hour && e.first === file.firstOffset));
    }
    this.closed.push(file);
  }

  /** Applies the age and event-time rules; returns how many files closed. */
  closeDue(wallMs: number): number {
    let n = 0;
    for (const file of [...this.open.values()]) {
      if (file.forcedLast !== undefined) {
        if (this.nextOffset !== undefined && this.nextOffset > file.forcedLast) {
          this.close(file, 'journal');
          n++;
        }
        continue;
      }
      const reason = closeReason({ rows: file.rowCount, openedAtMs: file.openedAtMs, hour: file.hour }, { wallMs, watermarkMs: this.watermarkMs }, this.policy);
      if (reason) {
        this.close(file, reason);
        n++;
      }
    }
    return n;
  }

  /**
   * Closes every open file (files being rebuilt to a journaled boundary stay
   * open: cutting them short would contradict the journal).
   */
  closeAll(reason: CloseReason): number {
    let n = 0;
    for (const file of [...this.open.values()]) {
      if (file.forcedLast === undefined) {
        this.close(file, reason);
        n++;
      }
    }
    return n;
  }

  /** Closes the open file holding the commit point back (smallest first offset); false when none can be. */
  closeOldest(reason: CloseReason): boolean {
    let oldest: LakeFile<R> | undefined;
    for (const file of this.open.values()) {
      if (file.forcedLast === undefined && (!oldest || file.firstOffset < oldest.firstOffset)) oldest = file;
    }
    if (oldest) this.close(oldest, reason);
    return oldest !== undefined;
  }

  /**
   * What to commit now, and which closed files it journals. Entries whose
   * last offset is below the commit point are pruned (the point never moves
   * back). Undefined before the first record.
   */
  snapshot(): CommitSnapshot<R> | undefined {
    if (this.nextOffset === undefined) return undefined;
    const unsettled = [...[...this.open.values()].map((f) => f.firstOffset), ...this.closed.filter((f) => !f.durable).map((f) => f.firstOffset)];
    const decided = [...this.restored, ...this.closed.map((f) => ({ hour: f.hour, first: f.firstOffset, last: f.lastOffset, durable: f.durable }))];
    const checkpoint = checkpointOf(this.nextOffset, unsettled, decided);
    this.closed = this.closed.filter((f) => !(f.durable && f.lastOffset < checkpoint.offset));
    this.restored = this.restored.filter((e) => e.last >= checkpoint.offset);
    return { checkpoint, newlyJournaled: this.closed.filter((f) => !f.journaled) };
  }

  /** Call after a commit of `snapshot()` succeeded. */
  markJournaled(files: readonly LakeFile<R>[]): void {
    for (const file of files) file.journaled = true;
  }

  /** Closed files that may be uploaded now (journaled, not yet uploaded). */
  uploadable(): LakeFile<R>[] {
    return this.closed.filter((f) => f.journaled && !f.durable);
  }

  /** Call after the file's upload succeeded; its rows are released. */
  markDurable(file: LakeFile<R>): void {
    file.durable = true;
    file.rows = [];
  }

  /** Rows held in memory (open files and closed files not yet uploaded). */
  bufferedRows(): number {
    let n = 0;
    for (const f of this.open.values()) n += f.rowCount;
    for (const f of this.closed) if (!f.durable) n += f.rowCount;
    return n;
  }

  /** Decided boundaries the next commit would journal (restored included). */
  journalSize(): number {
    return this.restored.length + this.closed.length;
  }

  openFiles(): number {
    return this.open.size;
  }

  /** Closed files not uploaded yet. */
  pendingFiles(): number {
    return this.closed.filter((f) => !f.durable).length;
  }
}
