/**
 * The gateway's schema: every entity file adds its types and root fields
 * to the one builder; importing them all here and calling toSchema() once
 * gives the schema (printed to graphql/schema.graphql).
 */
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from '../builder.ts';
import './scalars.ts';
import './anomaly.ts';
import './session.ts';
import './metrics.ts';
import './items.ts';
import './system.ts';
import './pipeline.ts';

export const schema: GraphQLSchema = builder.toSchema();

/** The schema in SDL, types sorted by name: what graphql/schema.graphql holds. */
export function printGatewaySchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
