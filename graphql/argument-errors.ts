/**
 * Makes every invalid argument a BAD_USER_INPUT error that names the
 * argument, whichever layer caught it:
 *
 * - validation of literals (`funnel(date: "2014-13-01")`, an unknown enum
 *   value, a missing required argument): graphql-js reports them with the
 *   code GRAPHQL_VALIDATION_FAILED and the literal's location; the argument
 *   is found by location in the document;
 * - coercion of variables (`$date: "x"`): graphql-js names the variable;
 *   the arguments it feeds are found in the operation.
 *
 * The message becomes `<argument>: <what was wrong>`, and
 * `extensions.argument` holds the name. Other validation errors (unknown
 * fields, syntax) keep their code.
 */
import { visit, type ASTNode, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { codedError, ErrorCode } from './errors.ts';

interface ArgumentSpan {
  name: string;
  start: number;
  end: number;
  variables: Set<string>;
}

function argumentSpans(document: DocumentNode): ArgumentSpan[] {
  const spans: ArgumentSpan[] = [];
  visit(document, {
    Argument(node) {
      const variables = new Set<string>();
      visit(node.value, { Variable: (v) => void variables.add(v.name.value) });
      spans.push({ name: node.name.value, start: node.loc?.start ?? -1, end: node.loc?.end ?? -1, variables });
    },
  });
  return spans;
}

const VALUE_ERROR = /^(Expected value of type|Value "[^"]*" does not exist in|Enum "[^"]+" cannot represent|(Int|Float|String|Boolean|ID) cannot represent|Expected type)/;
const MISSING_ARGUMENT = /^Field "[^"]+" argument "([^"]+)" of type "[^"]+" is required, but it was not provided\.$/;
const VARIABLE_ERROR = /^Variable "\$([^"]+)" (got invalid value|of required type "[^"]+" was not provided|of non-null type "[^"]+" must not be null)/;

/** A scalar's own message ("expected a day YYYY-MM-DD, got ...") when it has one, else graphql-js's. */
function problem(error: GraphQLError): string {
  const original = error.originalError;
  // By name, not instanceof: two copies of graphql-js may be loaded (vitest does that).
  return original && original.name !== 'GraphQLError' && original.message ? original.message : error.message;
}

function innermostArgument(spans: readonly ArgumentSpan[], node: ASTNode | undefined): ArgumentSpan | undefined {
  const at = node?.loc;
  if (!at) return undefined;
  let best: ArgumentSpan | undefined;
  for (const span of spans) {
    if (span.start <= at.start && at.end <= span.end && (!best || span.end - span.start < best.end - best.start)) best = span;
  }
  return best;
}

/** Rewrites one validation error when it is about an argument's value; returns it unchanged otherwise. */
export function mapValidationError(error: GraphQLError, document: DocumentNode): GraphQLError {
  const missing = MISSING_ARGUMENT.exec(error.message);
  if (missing) return codedError(`${missing[1]}: ${error.message}`, ErrorCode.badUserInput, { argument: missing[1] }, error);
  if (!VALUE_ERROR.test(error.message)) return error;
  const span = innermostArgument(argumentSpans(document), error.nodes?.[0]);
  if (!span) return error;
  return codedError(`${span.name}: ${problem(error)}`, ErrorCode.badUserInput, { argument: span.name }, error);
}

/** Rewrites one variable-coercion error to name the arguments the variable feeds. */
export function mapVariableError(error: GraphQLError, document: DocumentNode): GraphQLError {
  const variable = VARIABLE_ERROR.exec(error.message)?.[1];
  if (variable === undefined) return error;
  const names = [...new Set(argumentSpans(document).filter((s) => s.variables.has(variable)).map((s) => s.name))];
  const http = error.extensions?.http;
  if (names.length === 0) return codedError(error.message, ErrorCode.badUserInput, { http }, error);
  return codedError(`${names.join(', ')}: ${error.message}`, ErrorCode.badUserInput, { argument: names[0], http }, error);
}

const isSingleResult = (result: unknown): result is { errors?: readonly GraphQLError[] } =>
  typeof result === 'object' && result !== null && !(Symbol.asyncIterator in result);

export function useArgumentErrors(): Plugin {
  return {
    onValidate({ params }) {
      return ({ result, setResult }) => {
        if (result.length > 0) setResult(result.map((error) => mapValidationError(error, params.documentAST)));
      };
    },
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (isSingleResult(result) && result.errors?.length && !('data' in result && result.data)) {
            setResult({ ...result, errors: result.errors.map((error) => mapVariableError(error, args.document)) });
          }
        },
      };
    },
    onSubscribe({ args }) {
      return {
        onSubscribeResult({ result, setResult }) {
          if (isSingleResult(result) && result.errors?.length) {
            setResult({ ...result, errors: result.errors.map((error) => mapVariableError(error, args.document)) });
          }
        },
      };
    },
  };
}
