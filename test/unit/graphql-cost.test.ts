/**
 * The cost estimate of graphql/cost.ts: fields counted once per parent
 * instance, lists multiplying what is below them by their size argument
 * (given, defaulted, or its maximum when a variable leaves it unknown).
 */
import { parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationCost } from '../../graphql/cost.ts';
import { schema } from '../../graphql/schema/index.ts';

function cost(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition');
  return operationCost(schema, operation, fragments, variables);
}

describe('operation cost', () => {
  it('counts each field once for a single object', () => {
    expect(cost('{ dataClock { time date } }')).toBe(3);
  });

  it('multiplies by the size argument, its default, or the parent\'s argument for a connection', () => {
    expect(cost('{ popularItems(date: "2014-04-01", limit: 10) { rank itemId } }')).toBe(1 + 10 * 2);
    expect(cost('{ popularItems(date: "2014-04-01") { rank itemId } }')).toBe(1 + 20 * 2);
    expect(cost('{ anomalies(first: 30) { totalCount nodes { sessionId type } } }')).toBe(1 + 1 + 1 + 30 * 2);
  });

  it('takes a variable at its value, and at the maximum when it is not given', () => {
    const query = 'query($n: Int) { anomalies(first: $n) { nodes { sessionId } } }';
    expect(cost(query, { n: 5 })).toBe(1 + 1 + 5);
    expect(cost(query)).toBe(1 + 1 + 500);
  });

  it('multiplies nested lists: a page of sessions with their clicks', () => {
    expect(cost('{ anomalies(first: 500) { nodes { session { clicks(limit: 1000) { itemId } } } } }')).toBe(1 + 1 + 500 + 500 + 500 * 1000);
  });

  it('follows fragments and inline fragments, and ignores introspection', () => {
    expect(cost('query { popularItems(date: "2014-04-01", limit: 3) { ...F ... on PopularItem { revenue } } } fragment F on PopularItem { rank itemId }')).toBe(1 + 3 * 3);
    expect(cost('{ __schema { types { name } } __typename }')).toBe(0);
  });
});
