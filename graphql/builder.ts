/**
 * The one Pothos schema builder (code-first). Fields are non-null unless
 * they say otherwise; arguments are optional unless marked required.
 * Entity files in schema/ add their types and root fields to it;
 * schema/index.ts imports them all and builds the schema.
 */
import SchemaBuilder from '@pothos/core';
import type { GatewayContext } from './context.ts';

export interface GatewaySchemaTypes {
  Context: GatewayContext;
  Scalars: {
    /** `YYYY-MM-DD`, a calendar day in UTC. */
    Date: { Input: string; Output: string };
    /** Epoch milliseconds inside, ISO-8601 on the wire. */
    DateTime: { Input: number; Output: number };
    /** A 64-bit integer as a JSON number. */
    Long: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
}

export const builder = new SchemaBuilder<GatewaySchemaTypes>({ defaultFieldNullability: false });

builder.queryType({ description: 'Everything the gateway serves: anomalies (PostgreSQL), analytics (ClickHouse) and the state of the pipeline.' });
builder.subscriptionType({ description: 'Live events, delivered as server-sent events (POST /graphql with `Accept: text/event-stream`).' });
