/**
 * The gateway's schema: the committed graphql/schema.graphql is exactly what
 * the code builds (regenerate with `npx tsx graphql/print-schema.ts` and
 * review the diff), every type, field and argument explains itself, and
 * every list declares how long it can get (the cost limit relies on it).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printGatewaySchema, schema } from '../../graphql/schema/index.ts';
import { SCHEMA_FILE } from '../../graphql/print-schema.ts';
import type { ListSize } from '../../graphql/list-size.ts';

interface FieldLike {
  name: string;
  description?: string | null;
  type: unknown;
  args?: readonly { name: string; description?: string | null }[];
  extensions?: Record<string, unknown>;
}

const ownTypes = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name));
const fieldsOf = (type: unknown): FieldLike[] =>
  typeof type === 'object' && type !== null && 'getFields' in type && typeof type.getFields === 'function' ? Object.values(type.getFields() as Record<string, FieldLike>) : [];
const isList = (type: unknown): boolean => {
  let t = type as { ofType?: unknown; constructor: { name: string } };
  while (t.constructor.name === 'GraphQLNonNull') t = t.ofType as typeof t;
  return t.constructor.name === 'GraphQLList';
};

describe('the GraphQL schema', () => {
  it('is the committed graphql/schema.graphql', () => {
    expect(printGatewaySchema(), 'the schema changed: run `npx tsx graphql/print-schema.ts` and commit graphql/schema.graphql').toBe(fs.readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('describes every type, field and argument', () => {
    const missing: string[] = [];
    for (const type of ownTypes) {
      if (!type.description) missing.push(type.name);
      for (const field of fieldsOf(type)) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args ?? []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('declares the length of every list field, with a size argument that exists', () => {
    const problems: string[] = [];
    for (const type of ownTypes) {
      for (const field of fieldsOf(type)) {
        const size = field.extensions?.listSize as ListSize | undefined;
        if (isList(field.type) && size === undefined) problems.push(`${type.name}.${field.name} has no listSize`);
        if (size?.argument !== undefined && !size.fromParent && !field.args?.some((a) => a.name === size.argument)) problems.push(`${type.name}.${field.name} has no argument ${size.argument}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names fields in camelCase', () => {
    const bad = ownTypes.flatMap((type) => fieldsOf(type).filter((f) => !/^[a-z][A-Za-z0-9]*$/.test(f.name)).map((f) => `${type.name}.${f.name}`));
    expect(bad).toEqual([]);
  });
});
