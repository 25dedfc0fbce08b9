/**
 * The Avro schemas are the source of truth; the TypeScript types are
 * generated from them and committed. These tests fail when a schema changes
 * without `npx tsx schemas/codegen.ts`, and document the schema conventions.
 */
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { GENERATED_TYPES_PATH, generateTypesSource, listSchemaFiles } from '../../schemas/codegen.ts';
import {
  anomalyEventSchema,
  clickEventSchema,
  deadLetterSchema,
  purchaseEventSchema,
  TOPIC_VALUE_SCHEMAS,
  type AnomalyEvent,
  type ClickEvent,
  type DeadLetter,
  type PurchaseEvent,
} from '../../schemas/index.ts';
import { TOPICS } from '../../lib/topics.ts';

const NAMESPACE = 'io.clickstreamguardian.events';

describe('schemas/generated/types.ts', () => {
  it('is exactly what codegen produces from the .avsc files (run `npx tsx schemas/codegen.ts` when this fails)', () => {
    expect(readFileSync(GENERATED_TYPES_PATH, 'utf8')).toBe(generateTypesSource());
  });

  it('covers every .avsc file', () => {
    expect(listSchemaFiles()).toEqual(['anomaly-event.avsc', 'click-event.avsc', 'dead-letter.avsc', 'purchase-event.avsc']);
  });
});

describe('schema conventions', () => {
  const all = [clickEventSchema, purchaseEventSchema, anomalyEventSchema, deadLetterSchema];

  it.each(all.map((s) => [s.file, s] as const))('%s: namespaced record, every field documented, snake_case names', (_, s) => {
    const schema = s.schema as { namespace: string; doc: string; fields: { name: string; doc?: string }[] };
    expect(schema.namespace).toBe(NAMESPACE);
    expect(schema.doc).toBeTruthy();
    for (const field of schema.fields) {
      expect(field.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(field.doc, `${s.file}: ${field.name} needs a doc`).toBeTruthy();
    }
  });

  it('uses the column names of SPEC §1-§3 (ClickHouse maps Avro fields to columns by name)', () => {
    const names = (s: { schema: avro.Schema }): string[] => (s.schema as { fields: { name: string }[] }).fields.map((f) => f.name);
    expect(names(clickEventSchema)).toEqual(['session_id', 'timestamp', 'item_id', 'category']);
    expect(names(purchaseEventSchema)).toEqual(['session_id', 'timestamp', 'item_id', 'price', 'quantity']);
    expect(names(anomalyEventSchema)).toEqual([
      'session_id',
      'anomaly_type',
      'window_start',
      'window_end',
      'click_count',
      'unique_items',
      'detected_at',
    ]);
    expect(names(deadLetterSchema)).toEqual(['source', 'raw', 'line', 'reason', 'error_time']);
  });

  it('maps each topic of SPEC §2 to its value schema', () => {
    expect(TOPIC_VALUE_SCHEMAS[TOPICS.clicks]).toBe(clickEventSchema);
    expect(TOPIC_VALUE_SCHEMAS[TOPICS.purchases]).toBe(purchaseEventSchema);
    expect(TOPIC_VALUE_SCHEMAS[TOPICS.anomalies]).toBe(anomalyEventSchema);
    expect(TOPIC_VALUE_SCHEMAS[TOPICS.deadLetters]).toBe(deadLetterSchema);
  });
});

describe('local validation and encoding', () => {
  const click: ClickEvent = { session_id: 1, timestamp: Date.UTC(2014, 3, 7, 10, 51, 9, 277), item_id: 214536502, category: '0' };

  it('round-trips an event, timestamps staying epoch-millisecond numbers', () => {
    expect(clickEventSchema.isValid(click)).toBe(true);
    expect(clickEventSchema.type.fromBuffer(clickEventSchema.type.toBuffer(click))).toEqual(click);
    const purchase: PurchaseEvent = { session_id: 1, timestamp: click.timestamp, item_id: 2, price: 0, quantity: 0 };
    expect(purchaseEventSchema.type.fromBuffer(purchaseEventSchema.type.toBuffer(purchase))).toEqual(purchase);
  });

  it('names the fields that keep a value from being encoded', () => {
    const bad = { ...click, item_id: 'abc', timestamp: 1.5 };
    expect(clickEventSchema.isValid(bad)).toBe(false);
    expect(clickEventSchema.problems(bad)).toEqual(['timestamp: expected long, got 1.5', 'item_id: expected long, got "abc"']);
    expect(clickEventSchema.problems(click)).toEqual([]);
    expect(clickEventSchema.isValid({ ...click, extra: 1 })).toBe(false);
  });

  it('accepts a dead letter without a line number (from a topic)', () => {
    const letter: DeadLetter = { source: TOPICS.clicks, raw: 'AAEC', line: null, reason: 'bad magic byte', error_time: 0 };
    expect(deadLetterSchema.problems(letter)).toEqual([]);
  });
});

describe('AnomalyType evolution', () => {
  const event: AnomalyEvent = {
    session_id: 900_000_000_001,
    anomaly_type: 'BOT_LIKE',
    window_start: 0,
    window_end: 60_000,
    click_count: 120,
    unique_items: 2,
    detected_at: 61_000,
  };

  it('lets a reader holding this schema read a rule added later, as UNKNOWN', () => {
    const newer = JSON.parse(JSON.stringify(anomalyEventSchema.schema)) as { fields: { name: string; type: { symbols: string[] } }[] };
    newer.fields[1]!.type.symbols.push('SCRAPER');
    const writer = avro.Type.forSchema(newer as unknown as avro.Schema);
    const resolver = anomalyEventSchema.type.createResolver(writer);
    const buffer = writer.toBuffer({ ...event, anomaly_type: 'SCRAPER' });
    expect(anomalyEventSchema.type.fromBuffer(buffer, resolver).anomaly_type).toBe('UNKNOWN');
    expect(anomalyEventSchema.type.fromBuffer(writer.toBuffer(event), resolver)).toEqual(event);
  });
});
