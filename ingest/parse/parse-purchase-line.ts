/**
 * One line of `yoochoose-buys.dat` -> a `PurchaseEvent` or a dead letter:
 * `session_id,timestamp,item_id,price,quantity`, e.g.
 * `420374,2014-04-06T18:44:58.314Z,214537888,12462,1`. Price and quantity
 * are non-negative integers, 0 meaning unknown; quantity must fit an Avro int.
 */
import type { PurchaseEvent } from '../../schemas/index.ts';
import {
  columnCountReason,
  integerColumn,
  locateColumns,
  MAX_AVRO_INT,
  PURCHASE_COLUMNS,
  timestampColumn,
  withoutCarriageReturn,
} from './columns.ts';
import { deadLetterOutcome, type LineContext, type LineOutcome } from './line-outcome.ts';

export function parsePurchaseLine(line: string, context: LineContext): LineOutcome<PurchaseEvent> {
  const text = withoutCarriageReturn(line);
  if (text.length === 0) return deadLetterOutcome('empty line', line, context);
  const count = locateColumns(text, PURCHASE_COLUMNS.length);
  if (count !== PURCHASE_COLUMNS.length) return deadLetterOutcome(columnCountReason(PURCHASE_COLUMNS, count), line, context);
  const sessionId = integerColumn(PURCHASE_COLUMNS, 0, text);
  if (typeof sessionId === 'string') return deadLetterOutcome(sessionId, line, context);
  const timestamp = timestampColumn(PURCHASE_COLUMNS, 1, text);
  if (typeof timestamp === 'string') return deadLetterOutcome(timestamp, line, context);
  const itemId = integerColumn(PURCHASE_COLUMNS, 2, text);
  if (typeof itemId === 'string') return deadLetterOutcome(itemId, line, context);
  const price = integerColumn(PURCHASE_COLUMNS, 3, text);
  if (typeof price === 'string') return deadLetterOutcome(price, line, context);
  const quantity = integerColumn(PURCHASE_COLUMNS, 4, text, MAX_AVRO_INT);
  if (typeof quantity === 'string') return deadLetterOutcome(quantity, line, context);
  return { kind: 'ok', event: { session_id: sessionId, timestamp, item_id: itemId, price, quantity } };
}
