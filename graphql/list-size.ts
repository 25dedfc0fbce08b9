/**
 * How long each list of the schema can get: one declaration per list field,
 * used both to check the size argument (`first`, `limit`, `hours`) and to
 * estimate an operation's cost before running it (cost.ts). A unit test
 * checks that every list field declares one.
 */
import { boundedInt } from './validation.ts';

export interface ListSize {
  /** The argument that sets the length; omitted for lists of a fixed or typical size. */
  argument?: string;
  /**
   * The argument sits on the parent field (a connection's `nodes` take
   * `first` from `anomalies(first:)`).
   */
  fromParent?: boolean;
  /** Longest allowed (with an argument) or expected (without one) length. */
  max: number;
  /** Length when the argument is omitted. */
  fallback?: number;
}

/** The extension a list field carries: `extensions: listSize({...})`. */
export const listSize = (size: ListSize) => ({ listSize: size });

/** A size argument's value, checked against its declaration (BAD_USER_INPUT naming the argument). */
export function sizeArgument(size: ListSize & { argument: string; fallback: number }, value: number | null | undefined): number {
  return boundedInt(size.argument, value, { min: 1, max: size.max, fallback: size.fallback });
}

/** `How many, 1 to <max>.` */
export const sizeDescription = (size: ListSize, what = 'How many') => `${what}, 1 to ${size.max}.`;
