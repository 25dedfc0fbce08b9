/** Reading and parsing the YOOCHOOSE input files (SPEC §1). */
export { classifyCategory, type CategoryKind } from './category.ts';
export { CLICK_COLUMNS, PURCHASE_COLUMNS } from './columns.ts';
export {
  toDeadLetter,
  type DeadLetterOutcome,
  type LineContext,
  type LineOutcome,
  type OkOutcome,
} from './line-outcome.ts';
export { parseClickLine } from './parse-click-line.ts';
export { parsePurchaseLine } from './parse-purchase-line.ts';
export {
  readLineBatches,
  readLines,
  splitLineBatches,
  type LineBatch,
  type NumberedLine,
  type ReadLinesOptions,
} from './read-lines.ts';
export { formatTimestamp, parseTimestamp, TIMESTAMP_FORMAT } from './timestamp.ts';
