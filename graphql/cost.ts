/**
 * The cost limit: before executing, an operation's cost is estimated as the
 * number of fields it may resolve — each field counts once per instance of
 * its parent, and a list multiplies everything below it by its length: the
 * size argument's value (`first`, `limit`, `hours`), its maximum when it is
 * unknown, or the list's declared typical size (list-size.ts). Variables
 * are taken at their actual values. Above GATEWAY_MAX_COST the operation is
 * refused with QUERY_TOO_COMPLEX, before any query reaches a database.
 *
 * (graphql-armor's cost limit, tried first, multiplies only by literal
 * `first`/`last` arguments, so `clicks(limit: 1000)` or `first: $n` looked
 * cheap; depth, aliases and tokens still use graphql-armor, see limits.ts.)
 */
import {
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { codedError, ErrorCode } from './errors.ts';
import type { ListSize } from './list-size.ts';

/** A type's fields, or undefined for a scalar or enum. (Structural, not `isObjectType`: graphql-js's instanceof checks fail when two copies of graphql are loaded, as under vitest.) */
type FieldMap = Record<string, GraphQLField<unknown, unknown>>;
const fieldsOf = (type: unknown): FieldMap | undefined =>
  typeof type === 'object' && type !== null && 'getFields' in type && typeof type.getFields === 'function' ? (type.getFields() as FieldMap) : undefined;
/** The named type under list and non-null wrappers. */
const named = (type: GraphQLOutputType): unknown => {
  let current: unknown = type;
  while (typeof current === 'object' && current !== null && 'ofType' in current && current.ofType) current = current.ofType;
  return current;
};

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function argumentValue(field: FieldNode | undefined, definition: GraphQLField<unknown, unknown> | undefined, name: string, walk: Walk, max: number): number {
  const node = field?.arguments?.find((a) => a.name.value === name);
  if (node === undefined) {
    const fallback = definition?.args.find((a) => a.name === name)?.defaultValue;
    return typeof fallback === 'number' ? fallback : max;
  }
  const value = node.value.kind === Kind.INT ? Number(node.value.value) : node.value.kind === Kind.VARIABLE ? walk.variables[node.value.name.value] : undefined;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? Math.min(value, max) : max;
}

function lengthOf(field: FieldNode, definition: GraphQLField<unknown, unknown>, parent: { node?: FieldNode; definition?: GraphQLField<unknown, unknown> }, walk: Walk): number {
  const size = definition.extensions?.listSize as ListSize | undefined;
  if (size === undefined) return 1;
  if (size.argument === undefined) return size.max;
  return size.fromParent ? argumentValue(parent.node, parent.definition, size.argument, walk, size.max) : argumentValue(field, definition, size.argument, walk, size.max);
}

function selectionCost(
  set: SelectionSetNode,
  type: unknown,
  multiplier: number,
  parent: { node?: FieldNode; definition?: GraphQLField<unknown, unknown> },
  walk: Walk,
  fragmentsOnPath: ReadonlySet<string>,
): number {
  let cost = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const definition = selection.name.value.startsWith('__') ? undefined : fieldsOf(type)?.[selection.name.value];
      if (definition === undefined) continue;
      cost += multiplier;
      if (selection.selectionSet) {
        const length = lengthOf(selection, definition, parent, walk);
        cost += selectionCost(selection.selectionSet, named(definition.type), multiplier * length, { node: selection, definition }, walk, fragmentsOnPath);
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : type;
      cost += selectionCost(selection.selectionSet, on ?? undefined, multiplier, parent, walk, fragmentsOnPath);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (fragment === undefined || fragmentsOnPath.has(name)) continue;
      const on = walk.schema.getType(fragment.typeCondition.name.value);
      cost += selectionCost(fragment.selectionSet, on, multiplier, parent, walk, new Set([...fragmentsOnPath, name]));
    }
  }
  return cost;
}

/** The estimated cost of one operation of a document. */
export function operationCost(schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: readonly FragmentDefinitionNode[], variables: Record<string, unknown> = {}): number {
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const walk: Walk = { schema, fragments: new Map(fragments.map((f) => [f.name.value, f])), variables };
  return selectionCost(operation.selectionSet, root, 1, {}, walk, new Set());
}

export function useCostLimit(maxCost: number): Plugin {
  const check = (args: { schema: GraphQLSchema; document: { definitions: readonly { kind: string }[] }; operationName?: string | null; variableValues?: Record<string, unknown> | null }) => {
    const operations = args.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operations.find((o) => args.operationName == null || o.name?.value === args.operationName) ?? operations[0];
    if (operation === undefined) return undefined;
    const fragments = args.document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
    const cost = operationCost(args.schema, operation, fragments, args.variableValues ?? {});
    if (cost <= maxCost) return undefined;
    return codedError(
      `Query cost limit of ${maxCost} exceeded, found ${cost}: every list multiplies the fields below it by its length (first/limit as given); ask for fewer rows or fields.`,
      ErrorCode.tooComplex,
      { cost, maxCost },
    );
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
