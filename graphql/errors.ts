/**
 * The gateway's GraphQL errors: each carries `extensions.code`, and an
 * argument error also `extensions.argument`, so that a client can react to
 * the kind of failure without parsing messages. Codes:
 *
 * - `BAD_USER_INPUT`  an argument is malformed or out of range (message starts with its name);
 * - `NOT_FOUND`       the thing asked for does not exist (a session, a day without data);
 * - `UNAUTHENTICATED` auth is on and the request has no valid key or token (HTTP 401);
 * - `QUERY_TOO_DEEP`, `QUERY_TOO_COMPLEX`, `TOO_MANY_ALIASES`, `TOO_MANY_TOKENS`  an abusive operation;
 * - `SERVICE_UNAVAILABLE`  a dependency (ClickHouse, PostgreSQL, Kafka) failed or is down.
 *
 * Anything else thrown by a resolver is masked by Yoga ("Unexpected error.").
 */
import { createGraphQLError } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';

export const ErrorCode = {
  badUserInput: 'BAD_USER_INPUT',
  notFound: 'NOT_FOUND',
  unauthenticated: 'UNAUTHENTICATED',
  tooDeep: 'QUERY_TOO_DEEP',
  tooComplex: 'QUERY_TOO_COMPLEX',
  tooManyAliases: 'TOO_MANY_ALIASES',
  tooManyTokens: 'TOO_MANY_TOKENS',
  unavailable: 'SERVICE_UNAVAILABLE',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An invalid argument: `<argument>: <problem>`, code BAD_USER_INPUT. */
export function badInput(argument: string, problem: string): GraphQLError {
  return createGraphQLError(`${argument}: ${problem}`, { extensions: { code: ErrorCode.badUserInput, argument } });
}

/** Something asked for by `argument` that does not exist, code NOT_FOUND. */
export function notFound(argument: string, problem: string): GraphQLError {
  return createGraphQLError(`${argument}: ${problem}`, { extensions: { code: ErrorCode.notFound, argument } });
}

/**
 * A dependency failed: names it and the first line of the cause, code
 * SERVICE_UNAVAILABLE. (The cause is logged by the caller, not attached:
 * Yoga would mask an error that has a non-GraphQL original error.)
 */
export function unavailable(dependency: string, cause: unknown): GraphQLError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return createGraphQLError(`${dependency} is unavailable: ${detail.split('\n')[0]}`, {
    extensions: { code: ErrorCode.unavailable, dependency },
  });
}

/** A GraphQL error whose message is kept as it is, with a code (used by the limits and argument mapping). */
export function codedError(message: string, code: ErrorCodeValue, extra: Record<string, unknown> = {}, base?: GraphQLError): GraphQLError {
  return createGraphQLError(message, {
    nodes: base?.nodes,
    source: base?.source,
    positions: base?.positions,
    path: base?.path,
    extensions: { ...extra, code },
  });
}
