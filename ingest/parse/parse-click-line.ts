/**
 * One line of `yoochoose-clicks.dat` -> a `ClickEvent` or a dead letter:
 * `session_id,timestamp,item_id,category`, e.g.
 * `1,2014-04-07T10:51:09.277Z,214536502,0`. The category may be any
 * non-empty string (see `category.ts`).
 */
import type { ClickEvent } from '../../schemas/index.ts';
import {
  CLICK_COLUMNS,
  columnCountReason,
  columnStart,
  emptyColumnReason,
  integerColumn,
  locateColumns,
  timestampColumn,
  withoutCarriageReturn,
} from './columns.ts';
import { deadLetterOutcome, type LineContext, type LineOutcome } from './line-outcome.ts';

export function parseClickLine(line: string, context: LineContext): LineOutcome<ClickEvent> {
  const text = withoutCarriageReturn(line);
  if (text.length === 0) return deadLetterOutcome('empty line', line, context);
  const count = locateColumns(text, CLICK_COLUMNS.length);
  if (count !== CLICK_COLUMNS.length) return deadLetterOutcome(columnCountReason(CLICK_COLUMNS, count), line, context);
  const sessionId = integerColumn(CLICK_COLUMNS, 0, text);
  if (typeof sessionId === 'string') return deadLetterOutcome(sessionId, line, context);
  const timestamp = timestampColumn(CLICK_COLUMNS, 1, text);
  if (typeof timestamp === 'string') return deadLetterOutcome(timestamp, line, context);
  const itemId = integerColumn(CLICK_COLUMNS, 2, text);
  if (typeof itemId === 'string') return deadLetterOutcome(itemId, line, context);
  const category = text.slice(columnStart(3));
  if (category.length === 0) return deadLetterOutcome(emptyColumnReason(CLICK_COLUMNS, 3), line, context);
  return { kind: 'ok', event: { session_id: sessionId, timestamp, item_id: itemId, category } };
}
