/**
 * What parsing one input line yields (after PostHog ingestion's step
 * results): an event, or a dead letter carrying the raw line, where it came
 * from and why it was refused. Bad data never throws; only a broken caller
 * (or a dependency being down, further on) does.
 */
import type { DeadLetter } from '../../schemas/index.ts';

/**
 * Where a line came from: the file name as it should appear in the DLQ, and
 * its 1-based line number. Read only during the parse call (a dead letter
 * copies both), so a hot loop may reuse one object and update `lineNumber`.
 */
export interface LineContext {
  source: string;
  lineNumber: number;
}

export interface OkOutcome<T> {
  readonly kind: 'ok';
  readonly event: T;
}

export interface DeadLetterOutcome {
  readonly kind: 'dead-letter';
  /** Names the column and the problem, e.g. `column 3 (item_id): not an integer: "abc"`. */
  readonly reason: string;
  /** The line exactly as given to the parser. */
  readonly raw: string;
  readonly source: string;
  readonly lineNumber: number;
}

export type LineOutcome<T> = OkOutcome<T> | DeadLetterOutcome;

export function deadLetterOutcome(reason: string, raw: string, context: LineContext): DeadLetterOutcome {
  return { kind: 'dead-letter', reason, raw, source: context.source, lineNumber: context.lineNumber };
}

/** The `DeadLetter` record (dead-letter.avsc) for the DLQ topic; `errorTime` is processing time. */
export function toDeadLetter(outcome: DeadLetterOutcome, errorTime: number = Date.now()): DeadLetter {
  return {
    source: outcome.source,
    raw: outcome.raw,
    line: outcome.lineNumber,
    reason: outcome.reason,
    error_time: errorTime,
  };
}
