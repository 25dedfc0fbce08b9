/**
 * SPEC §1: a malformed row never stops a run; it becomes a dead letter whose
 * reason names the column and the problem. These cases are the contract.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyCategory,
  formatTimestamp,
  parseClickLine,
  parsePurchaseLine,
  parseTimestamp,
  toDeadLetter,
  type LineOutcome,
} from '../../ingest/parse/index.ts';
import { clickEventSchema, purchaseEventSchema } from '../../schemas/index.ts';

const context = { source: 'yoochoose-clicks.dat', lineNumber: 7 };

function reasonOf<T>(outcome: LineOutcome<T>): string {
  if (outcome.kind !== 'dead-letter') throw new Error(`expected a dead letter, got ${JSON.stringify(outcome)}`);
  return outcome.reason;
}

describe('parseClickLine', () => {
  it('parses a real-format line into a ClickEvent the Avro schema accepts', () => {
    const outcome = parseClickLine('1,2014-04-07T10:51:09.277Z,214536502,0', context);
    expect(outcome).toEqual({
      kind: 'ok',
      event: { session_id: 1, timestamp: Date.UTC(2014, 3, 7, 10, 51, 9, 277), item_id: 214536502, category: '0' },
    });
    expect(outcome.kind === 'ok' && clickEventSchema.isValid(outcome.event)).toBe(true);
  });

  it.each([
    ['11,2014-04-03T11:32:17.462Z,214821275,S'],
    ['9249729,2014-09-30T23:59:59.999Z,214854774,12'],
    ['420374,2014-04-06T18:44:58.314Z,214537888,2089434530'],
    ['5,2014-04-01T00:00:00.000Z,0,custom-label'],
  ])('round-trips %s', (line) => {
    const outcome = parseClickLine(line, context);
    if (outcome.kind !== 'ok') throw new Error(outcome.reason);
    const { session_id, timestamp, item_id, category } = outcome.event;
    expect(`${session_id},${formatTimestamp(timestamp)},${item_id},${category}`).toBe(line);
  });

  it('accepts a CRLF line and keeps the raw text in a dead letter', () => {
    expect(parseClickLine('1,2014-04-07T10:51:09.277Z,214536502,0\r', context).kind).toBe('ok');
    const outcome = parseClickLine('1,2014-04-07T10:51:09.277Z,abc,0\r', context);
    expect(outcome).toMatchObject({ kind: 'dead-letter', raw: '1,2014-04-07T10:51:09.277Z,abc,0\r' });
  });

  it.each([
    ['', 'empty line'],
    ['1,2014-04-07T10:51:09.277Z,214536502', 'expected 4 columns (session_id,timestamp,item_id,category), got 3'],
    ['1,2014-04-07T10:51:09.277Z,214536502,0,9', 'expected 4 columns (session_id,timestamp,item_id,category), got 5'],
    ['abc,2014-04-07T10:51:09.277Z,214536502,0', 'column 1 (session_id): not an integer: "abc"'],
    [',2014-04-07T10:51:09.277Z,214536502,0', 'column 1 (session_id): empty'],
    ['-4,2014-04-07T10:51:09.277Z,214536502,0', 'column 1 (session_id): negative: "-4"'],
    [' 1,2014-04-07T10:51:09.277Z,214536502,0', 'column 1 (session_id): not an integer: " 1"'],
    ['1.5,2014-04-07T10:51:09.277Z,214536502,0', 'column 1 (session_id): not an integer: "1.5"'],
    ['99999999999999999,2014-04-07T10:51:09.277Z,1,0', 'column 1 (session_id): out of range (> 9007199254740991): "99999999999999999"'],
    ['1,2014-04-07T10:51:09.277Z,abc,0', 'column 3 (item_id): not an integer: "abc"'],
    ['1,2014-04-07T10:51:09.277Z,1e5,0', 'column 3 (item_id): not an integer: "1e5"'],
    ['1,2014-04-07T10:51:09.277Z,214536502,', 'column 4 (category): empty'],
    [
      '1,2014-13-07T10:51:09.277Z,214536502,0',
      'column 2 (timestamp): month 13 out of range 01..12: "2014-13-07T10:51:09.277Z"',
    ],
    [
      '1,2014-02-29T10:51:09.277Z,214536502,0',
      'column 2 (timestamp): day 29 out of range 01..28 for 2014-02: "2014-02-29T10:51:09.277Z"',
    ],
    ['1,2014-04-07T24:00:00.000Z,214536502,0', 'column 2 (timestamp): hour 24 out of range 00..23: "2014-04-07T24:00:00.000Z"'],
    ['1,2014-04-07T10:60:00.000Z,214536502,0', 'column 2 (timestamp): minute 60 out of range 00..59: "2014-04-07T10:60:00.000Z"'],
    ['1,2014-04-07T10:51:60.000Z,214536502,0', 'column 2 (timestamp): second 60 out of range 00..59: "2014-04-07T10:51:60.000Z"'],
  ])('%j -> %s', (line, reason) => {
    expect(reasonOf(parseClickLine(line, context))).toBe(reason);
  });

  it.each([
    '2014-04-07T10:51:09Z', // no milliseconds
    '2014-04-07T10:51:09.27Z', // two fraction digits
    '2014-04-07 10:51:09.277Z', // space instead of T
    '2014-04-07T10:51:09.277', // no zone
    '2014-04-07T10:51:09.277+00:00', // offset instead of Z
    '2014-04-07T10:51:09.277z', // lower-case z
    '2014-4-07T10:51:09.277Z', // one-digit month
    '20a4-04-07T10:51:09.277Z',
    '1396867869277', // epoch millis
  ])('refuses the timestamp %s as not the format', (timestamp) => {
    expect(reasonOf(parseClickLine(`1,${timestamp},214536502,0`, context))).toBe(
      `column 2 (timestamp): not an ISO-8601 UTC timestamp with milliseconds (YYYY-MM-DDTHH:MM:SS.mmmZ): ${JSON.stringify(timestamp)}`,
    );
  });

  it('reports the first bad column when several are bad', () => {
    expect(reasonOf(parseClickLine('x,bad,y,0', context))).toBe('column 1 (session_id): not an integer: "x"');
  });
});

describe('parsePurchaseLine', () => {
  const buys = { source: 'yoochoose-buys.dat', lineNumber: 3 };

  it('parses a real-format line into a PurchaseEvent the Avro schema accepts', () => {
    const outcome = parsePurchaseLine('420374,2014-04-06T18:44:58.314Z,214537888,12462,1', buys);
    expect(outcome).toEqual({
      kind: 'ok',
      event: { session_id: 420374, timestamp: Date.UTC(2014, 3, 6, 18, 44, 58, 314), item_id: 214537888, price: 12462, quantity: 1 },
    });
    expect(outcome.kind === 'ok' && purchaseEventSchema.isValid(outcome.event)).toBe(true);
  });

  it.each([['489758,2014-04-06T09:59:52.422Z,214826955,1360,2'], ['11,2014-04-03T11:04:11.417Z,214821371,0,0']])(
    'round-trips %s (0 = unknown price/quantity)',
    (line) => {
      const outcome = parsePurchaseLine(line, buys);
      if (outcome.kind !== 'ok') throw new Error(outcome.reason);
      const { session_id, timestamp, item_id, price, quantity } = outcome.event;
      expect(`${session_id},${formatTimestamp(timestamp)},${item_id},${price},${quantity}`).toBe(line);
    },
  );

  it.each([
    ['', 'empty line'],
    ['1,2014-04-06T18:44:58.314Z,214537888,12462', 'expected 5 columns (session_id,timestamp,item_id,price,quantity), got 4'],
    ['1,2014-04-06T18:44:58.314Z,214537888,-5,1', 'column 4 (price): negative: "-5"'],
    ['1,2014-04-06T18:44:58.314Z,214537888,5,-1', 'column 5 (quantity): negative: "-1"'],
    ['1,2014-04-06T18:44:58.314Z,214537888,12.5,1', 'column 4 (price): not an integer: "12.5"'],
    ['1,2014-04-06T18:44:58.314Z,214537888,5,', 'column 5 (quantity): empty'],
    ['1,2014-04-06T18:44:58.314Z,214537888,5,2147483648', 'column 5 (quantity): out of range (> 2147483647): "2147483648"'],
    ['x1,2014-04-06T18:44:58.314Z,214537888,5,1', 'column 1 (session_id): not an integer: "x1"'],
    ['1,2014-04-06T18:44:58.314Z,-214537888,5,1', 'column 3 (item_id): negative: "-214537888"'],
    ['1,2014-00-06T18:44:58.314Z,214537888,5,1', 'column 2 (timestamp): month 0 out of range 01..12: "2014-00-06T18:44:58.314Z"'],
  ])('%j -> %s', (line, reason) => {
    expect(reasonOf(parsePurchaseLine(line, buys))).toBe(reason);
  });

  it('turns a dead letter into the DeadLetter record of the DLQ topic', () => {
    const outcome = parsePurchaseLine('1,2014-04-06T18:44:58.314Z,214537888,-5,1', buys);
    if (outcome.kind !== 'dead-letter') throw new Error('expected a dead letter');
    expect(toDeadLetter(outcome, 1_700_000_000_000)).toEqual({
      source: 'yoochoose-buys.dat',
      raw: '1,2014-04-06T18:44:58.314Z,214537888,-5,1',
      line: 3,
      reason: 'column 4 (price): negative: "-5"',
      error_time: 1_700_000_000_000,
    });
  });
});

describe('timestamps', () => {
  it('agree with Date for every kind of day, leap years included', () => {
    const cases = ['1970-01-01T00:00:00.000Z', '2000-02-29T23:59:59.999Z', '2014-04-01T00:00:00.000Z', '2016-12-31T12:34:56.789Z'];
    for (const text of cases) {
      expect(parseTimestamp(text)).toBe(Date.parse(text));
      expect(formatTimestamp(parseTimestamp(text))).toBe(text);
    }
    let x = 1;
    for (let i = 0; i < 2000; i++) {
      x = (x * 48271) % 2147483647;
      const ms = Date.UTC(1990, 0, 1) + x * 997;
      const text = new Date(ms).toISOString();
      expect(parseTimestamp(text)).toBe(ms);
      expect(formatTimestamp(ms)).toBe(text);
    }
  });

  it('refuses 30 February and 29 February of a common year, accepts it in a leap year', () => {
    expect(parseTimestamp('2014-02-30T00:00:00.000Z')).toBeNaN();
    expect(parseTimestamp('1900-02-29T00:00:00.000Z')).toBeNaN();
    expect(parseTimestamp('2016-02-29T00:00:00.000Z')).toBe(Date.UTC(2016, 1, 29));
  });
});

describe('classifyCategory', () => {
  it.each([
    ['0', 'unknown'],
    ['S', 'special-offer'],
    ['1', 'category'],
    ['12', 'category'],
    ['13', 'other'],
    ['01', 'other'],
    ['12345678', 'brand'],
    ['2089434530', 'brand'],
    ['12345678901', 'other'],
    ['1234567', 'other'],
    ['shoes', 'other'],
  ] as const)('%s is %s', (category, kind) => {
    expect(classifyCategory(category)).toBe(kind);
  });
});
