/**
 * Scalars: `Date` (a UTC calendar day), `DateTime` (an instant) and `Long`
 * (64-bit integers: session and item ids, totals). Each refuses a malformed
 * value with a message that says what was expected; the argument-error
 * plugin adds the argument's name and the BAD_USER_INPUT code.
 *
 * A literal's parser throws a plain error (GraphQL validation wraps it with
 * the literal's location); a variable's parser throws a coded GraphQL error
 * (graphql-js wraps it keeping the code, and Yoga does not mask it).
 */
import { Kind, print, type ValueNode } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { isDay } from '../../clickhouse/rollup/days.ts';
import { builder } from '../builder.ts';
import { ErrorCode } from '../errors.ts';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const show = (value: unknown): string => (typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"` : String(JSON.stringify(value)));
/** A literal as the JSON value a variable would carry (numbers as numbers, strings as strings). */
const literal = (node: ValueNode): unknown =>
  node.kind === Kind.INT || node.kind === Kind.FLOAT ? Number(node.value) : node.kind === Kind.STRING ? node.value : print(node);

function parseDay(value: unknown): string | Error {
  if (typeof value === 'string' && isDay(value)) return value;
  return new Error(`expected a day YYYY-MM-DD, got ${show(value)}`);
}

function parseInstant(value: unknown): number | Error {
  if (typeof value === 'string' && INSTANT.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  return new Error(`expected an ISO-8601 instant with a time zone, e.g. 2014-04-07T10:51:09.277Z, got ${show(value)}`);
}

function parseLong(value: unknown): number | Error {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isSafeInteger(n)) return n;
  return new Error(`expected an integer of at most 2^53 in magnitude, got ${show(value)}`);
}

/** Scalar parsers from one checking function: a variable's error carries the code, a literal's gets wrapped by validation. */
function parsers<T>(check: (value: unknown) => T | Error) {
  return {
    parseValue(value: unknown): T {
      const parsed = check(value);
      if (parsed instanceof Error) throw createGraphQLError(parsed.message, { extensions: { code: ErrorCode.badUserInput } });
      return parsed;
    },
    parseLiteral(node: ValueNode): T {
      const parsed = check(literal(node));
      if (parsed instanceof Error) throw parsed;
      return parsed;
    },
  };
}

builder.scalarType('Date', {
  description: 'A calendar day in UTC, written `YYYY-MM-DD` (e.g. `2014-04-07`). Days are UTC days everywhere (SPEC §4).',
  serialize: (value) => value,
  ...parsers(parseDay),
});

builder.scalarType('DateTime', {
  description:
    'An instant. Written by the API in UTC with milliseconds (`2014-04-07T10:51:09.277Z`); accepted as any ISO-8601 date-time with a time zone (`Z` or `±hh:mm`).',
  serialize: (value) => new Date(value).toISOString(),
  ...parsers(parseInstant),
});

builder.scalarType('Long', {
  description:
    'A 64-bit integer (session and item ids, totals), written as a JSON number; exact up to 2^53, which every id and total here stays below. Accepted as a number or a string of digits.',
  serialize: (value) => value,
  ...parsers(parseLong),
});
