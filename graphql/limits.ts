/**
 * Limits on what one operation may ask for, all checked before any
 * resolver runs: depth, aliases and tokens with graphql-armor (maintained
 * envelop plugins, run while parsing and validating), and the cost with
 * our list-aware estimate (cost.ts). A rejected operation gets one coded
 * error (QUERY_TOO_DEEP, TOO_MANY_ALIASES, TOO_MANY_TOKENS,
 * QUERY_TOO_COMPLEX) that says the limit and what was found.
 * Introspection is exempt from the depth limit (GraphiQL needs it).
 */
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Config } from '../lib/config.ts';
import { useCostLimit } from './cost.ts';
import { codedError, ErrorCode, type ErrorCodeValue } from './errors.ts';

/** armor's messages start with "Syntax Error: "; ours say what was limited. */
const reword = (error: GraphQLError) => error.message.replace(/^Syntax Error: /, '');

/** Report a rejection as a coded validation error (or throw it while parsing, where there is no validation context). */
const reject = (code: ErrorCodeValue) => [
  (context: ValidationContext | null, error: GraphQLError) => {
    const coded = codedError(reword(error), code, {}, error);
    if (context === null) throw coded;
    context.reportError(coded);
  },
];

export function limitPlugins(limits: Config['gateway']['limits']): Plugin[] {
  return [
    maxTokensPlugin({ n: limits.maxTokens, propagateOnRejection: false, onReject: reject(ErrorCode.tooManyTokens) }),
    maxDepthPlugin({ n: limits.maxDepth, propagateOnRejection: false, onReject: reject(ErrorCode.tooDeep) }),
    maxAliasesPlugin({ n: limits.maxAliases, propagateOnRejection: false, onReject: reject(ErrorCode.tooManyAliases) }),
    useCostLimit(limits.maxCost),
  ] as Plugin[];
}
