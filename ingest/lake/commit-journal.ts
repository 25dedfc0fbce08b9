/**
 * Offset-commit bookkeeping of the lake sink: what may be committed for a
 * partition, and the journal of file boundaries carried in the commit's
 * metadata string.
 *
 * Guarantees, per partition:
 * - the committed offset C never passes a record that is not yet in an
 *   uploaded file: C = min(next offset to read, first offset of every file
 *   that is open or closed-but-not-uploaded). With files of several event
 *   hours open at once, the oldest one holds C back;
 * - the journal lists every file whose boundary was decided and whose last
 *   offset is ≥ C (`hour:first-last`, `*` when already uploaded). A file is
 *   uploaded only after a commit carrying its entry succeeded, so after a
 *   crash or a rebalance the next owner restarts at C and rebuilds each
 *   journaled file with exactly the same rows (same key, same bytes: the
 *   upload overwrites), skips the rows of uploaded ones, and is free to
 *   decide everything else anew. Nothing is lost, nothing lands in two files.
 */
import { GuardianError } from '../../lib/errors.ts';

export interface JournalEntry {
  /** Event hour (epoch hour index). */
  hour: number;
  first: number;
  last: number;
  /** Uploaded (known at commit time). */
  durable: boolean;
}

export interface Checkpoint {
  /** The offset to commit: the next record a restart reads. */
  offset: number;
  entries: JournalEntry[];
}

const VERSION = 'lake1';

/**
 * Longest metadata string the sink writes. Kafka refuses commits whose
 * metadata exceeds `offset.metadata.max.bytes` (4096 by default).
 */
export const MAX_METADATA_CHARS = 4000;

export class JournalError extends GuardianError {}

export function encodeJournal(entries: readonly JournalEntry[]): string {
  return `${VERSION};${entries.map((e) => `${e.hour}:${e.first}-${e.last}${e.durable ? '*' : ''}`).join(',')}`;
}

const ENTRY = /^(\d+):(\d+)-(\d+)(\*?)$/;

/** Parses committed metadata; no metadata (a group that never ran the sink) is an empty journal. */
export function decodeJournal(metadata: string | null | undefined): JournalEntry[] {
  if (metadata === null || metadata === undefined || metadata === '') return [];
  const [version, body = ''] = metadata.split(';', 2);
  if (version !== VERSION) {
    throw new JournalError(`committed offset metadata "${metadata.slice(0, 40)}" was not written by this lake sink (expected "${VERSION};…"); refusing to guess file boundaries`);
  }
  if (body === '') return [];
  return body.split(',').map((text) => {
    const m = ENTRY.exec(text);
    if (!m || Number(m[2]) > Number(m[3])) throw new JournalError(`malformed lake journal entry "${text}" in committed offset metadata`);
    return { hour: Number(m[1]), first: Number(m[2]), last: Number(m[3]), durable: m[4] === '*' };
  });
}

/**
 * The checkpoint of one partition.
 * @param nextOffset the offset after the last record read (appended or skipped)
 * @param unsettledFirstOffsets first offsets of files not uploaded yet (open or closed)
 * @param decided every file boundary decided and not yet pruned
 */
export function checkpointOf(nextOffset: number, unsettledFirstOffsets: Iterable<number>, decided: Iterable<JournalEntry>): Checkpoint {
  let offset = nextOffset;
  for (const first of unsettledFirstOffsets) if (first < offset) offset = first;
  const entries = [...decided].filter((e) => e.last >= offset).sort((a, b) => a.first - b.first || a.hour - b.hour);
  return { offset, entries };
}

/** The record at `offset` of event hour `hour` is covered by this entry. */
export const covers = (entry: JournalEntry, hour: number, offset: number): boolean =>
  entry.hour === hour && entry.first <= offset && offset <= entry.last;

/**
 * The journal to commit, within `maxChars`: every entry already journaled
 * (they must stay until the commit point passes them) plus as many new
 * boundaries as fit, oldest first. New boundaries left out stay unjournaled
 * — their files are simply not uploaded yet — so a long journal delays
 * uploads instead of failing the commit.
 */
export function journalWithin(
  entries: readonly JournalEntry[],
  isNew: (entry: JournalEntry) => boolean,
  maxChars = MAX_METADATA_CHARS,
): { entries: JournalEntry[]; included: JournalEntry[] } {
  const kept = entries.filter((e) => !isNew(e));
  const included: JournalEntry[] = [];
  let length = encodeJournal(kept).length;
  for (const entry of entries.filter(isNew)) {
    const extra = encodeJournal([entry]).length - VERSION.length; // ",hour:first-last"
    if (length + extra > maxChars) break;
    length += extra;
    included.push(entry);
  }
  const all = [...kept, ...included].sort((a, b) => a.first - b.first || a.hour - b.hour);
  return { entries: all, included };
}
