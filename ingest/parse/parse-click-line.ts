/**
 * One line of `yoochoose-clicks.dat` -> a `ClickEvent` or a dead letter:
 * `session_id,timestamp,item_id,category`, e.g.
 * `1,2014-04-07T10:51:09.277Z,214536502,0`.
 */
import type { ClickEvent } from '../../schemas/index.ts';
import {
  CLICK_COLUMNS,
  columnCountReason,
  integerColumn,
  nonEmptyColumn,
  timestampColumn,
  withoutCarriageReturn,
} from './columns.ts';
import { deadLetterOutcome, type LineContext, type LineOutcome } from './line-outcome.ts';

export function parseClickLine(line: string, context: LineContext): LineOutcome<ClickEvent> {
  const text = withoutCarriageReturn(line);
  if (text.length === 0) return deadLetterOutcome('empty line', line, context);
  const columns = text.split(',');
  if (columns.length !== CLICK_COLUMNS.length) {
    return deadLetterOutcome(columnCountReason(CLICK_COLUMNS, columns.length), line, context);
  }
  const sessionId = integerColumn(CLICK_COLUMNS, 0, columns[0]!);
  if (typeof sessionId === 'string') return deadLetterOutcome(sessionId, line, context);
  const timestamp = timestampColumn(CLICK_COLUMNS, 1, columns[1]!);
  if (typeof timestamp === 'string') return deadLetterOutcome(timestamp, line, context);
  const itemId = integerColumn(CLICK_COLUMNS, 2, columns[2]!);
  if (typeof itemId === 'string') return deadLetterOutcome(itemId, line, context);
  const category = columns[3]!;
  const categoryProblem = nonEmptyColumn(CLICK_COLUMNS, 3, category);
  if (categoryProblem !== undefined) return deadLetterOutcome(categoryProblem, line, context);
  return { kind: 'ok', event: { session_id: sessionId, timestamp, item_id: itemId, category } };
}
