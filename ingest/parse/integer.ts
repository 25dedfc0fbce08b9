/**
 * Strict non-negative decimal integers, parsed from char codes without a
 * regex or an allocation: ASCII digits only (leading zeros allowed), no sign,
 * no spaces, no exponent, at most `max`.
 */

const ZERO = 48;
const MINUS = 45;

/** Failure codes of `parseNonNegativeInteger`; every valid result is >= 0. */
export const INTEGER_EMPTY = -1;
export const INTEGER_MALFORMED = -2;
export const INTEGER_NEGATIVE = -3;
export const INTEGER_TOO_LARGE = -4;

/** The value, or one of the negative failure codes above. */
export function parseNonNegativeInteger(text: string, max: number = Number.MAX_SAFE_INTEGER): number {
  return parseNonNegativeIntegerAt(text, 0, text.length, max);
}

/** `parseNonNegativeInteger(text.slice(start, end))` without the slice. */
export function parseNonNegativeIntegerAt(text: string, start: number, end: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (end <= start) return INTEGER_EMPTY;
  let negative = false;
  if (text.charCodeAt(start) === MINUS) {
    negative = true;
    start++;
    if (start === end) return INTEGER_MALFORMED;
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return INTEGER_MALFORMED;
    value = value * 10 + d;
  }
  if (negative) return value === 0 ? 0 : INTEGER_NEGATIVE;
  // Beyond 2^53 the accumulated value is inexact, but it is then far above any `max` we use.
  return value > max ? INTEGER_TOO_LARGE : value;
}

/** The message for a failure code, quoting the text. */
export function describeIntegerFailure(code: number, text: string, max: number = Number.MAX_SAFE_INTEGER): string {
  switch (code) {
    case INTEGER_EMPTY:
      return 'empty';
    case INTEGER_NEGATIVE:
      return `negative: ${JSON.stringify(text)}`;
    case INTEGER_TOO_LARGE:
      return `out of range (> ${max}): ${JSON.stringify(text)}`;
    default:
      return `not an integer: ${JSON.stringify(text)}`;
  }
}
