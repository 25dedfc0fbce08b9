/**
 * When an open lake file is closed (and then uploaded). Each file holds one
 * partition's records of one event hour, and closes on the first of:
 *
 * - `rows`: it holds `maxRows` rows;
 * - `age`: its first row was buffered `maxAgeMs` ago (wall clock), which
 *   bounds how stale the lake can be while data trickles in;
 * - `event-time`: the partition's newest event time is `lateGraceMs` past the
 *   end of the file's hour, so a replay moving through many hours does not
 *   keep every past hour open until its age runs out.
 *
 * Other reasons are decided elsewhere: `journal` (a restart rebuilds a file
 * whose boundary was journaled before the crash), `pressure` (too much
 * buffered, or too many journal entries) and `shutdown`.
 *
 * The decision may depend on the wall clock: the sink journals every close
 * decision in the committed offset's metadata before uploading the file (see
 * commit-journal.ts), so boundaries never need to be re-derived.
 */
import { hourStartMs, MS_PER_HOUR } from './lake-path.ts';

export type CloseReason = 'rows' | 'age' | 'event-time' | 'journal' | 'pressure' | 'shutdown';

export interface ClosePolicy {
  /** Close a file at this many rows. @default 100_000 */
  maxRows: number;
  /** Close a file this long after its first row was buffered. @default 60_000 (60 s) */
  maxAgeMs: number;
  /** Close a file once the partition's event time is this far past the end of its hour. @default 300_000 (5 min) */
  lateGraceMs: number;
}

export const DEFAULT_CLOSE_POLICY: ClosePolicy = { maxRows: 100_000, maxAgeMs: 60_000, lateGraceMs: 300_000 };

export interface OpenFileState {
  rows: number;
  /** Wall-clock ms at which the first row was buffered. */
  openedAtMs: number;
  /** Event hour (epoch hour index). */
  hour: number;
}

/** Why the file must close now, or undefined to keep it open. */
export function closeReason(
  file: OpenFileState,
  now: { wallMs: number; watermarkMs: number },
  policy: ClosePolicy,
): CloseReason | undefined {
  if (file.rows >= policy.maxRows) return 'rows';
  if (now.wallMs - file.openedAtMs >= policy.maxAgeMs) return 'age';
  if (now.watermarkMs >= hourStartMs(file.hour) + MS_PER_HOUR + policy.lateGraceMs) return 'event-time';
  return undefined;
}
