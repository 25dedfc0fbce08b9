/**
 * Every GraphQL operation the dashboard sends (web/src/api/documents.ts) is
 * valid against the gateway's committed schema (graphql/schema.graphql):
 * a renamed field or argument fails here, without a browser or services.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/config.ts';
import * as documents from '../../web/src/api/documents.ts';

const schema = buildSchema(fs.readFileSync(path.join(PROJECT_ROOT, 'graphql/schema.graphql'), 'utf8'));

describe('dashboard GraphQL documents', () => {
  it.each(Object.entries(documents))('%s is valid against graphql/schema.graphql', (_name, document) => {
    const errors = validate(schema, parse(document)).map((error) => error.message);
    expect(errors).toEqual([]);
  });
});
