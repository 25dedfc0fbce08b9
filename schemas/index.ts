/**
 * The Avro schemas of SPEC §2, loaded from the `.avsc` files next to this
 * module (the files are the single source of truth; the TypeScript types in
 * `generated/types.ts` are generated from them by `codegen.ts`).
 *
 * Each `EventSchema` carries the parsed JSON (what gets registered with the
 * schema registry under `<topic>-value`) and the avsc `Type` compiled without
 * logical-type classes, so timestamps are plain epoch-millisecond numbers on
 * both the encode and the decode side.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { TOPICS } from '../lib/topics.ts';
import type { AnomalyEvent, ClickEvent, DeadLetter, PurchaseEvent } from './generated/types.ts';

export * from './generated/types.ts';

export const SCHEMA_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface EventSchema<T> {
  /** Full name, e.g. `io.clickstreamguardian.events.ClickEvent`. */
  readonly name: string;
  /** The `.avsc` file it was loaded from, relative to `schemas/`. */
  readonly file: string;
  /** The schema as parsed JSON, ready for `registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(...) })`. */
  readonly schema: avro.Schema;
  /** The compiled avsc type (encode, decode, resolve). */
  readonly type: avro.Type;
  /** True when `value` can be encoded with this schema. */
  isValid(value: unknown): value is T;
  /** Every problem that keeps `value` from being encoded, as `field.path: problem`; empty when valid. */
  problems(value: unknown): string[];
}

function loadSchema<T>(file: string): EventSchema<T> {
  const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as avro.Schema;
  const type = avro.Type.forSchema(schema);
  const name = type.name;
  if (name === undefined) throw new Error(`${file}: the top-level schema must be a named record`);
  return {
    name,
    file,
    schema,
    type,
    isValid: (value: unknown): value is T => type.isValid(value, { noUndeclaredFields: true }),
    problems(value: unknown): string[] {
      const found: string[] = [];
      type.isValid(value, {
        noUndeclaredFields: true,
        errorHook(fieldPath, invalid, invalidType) {
          const where = fieldPath.length > 0 ? fieldPath.join('.') : '(record)';
          const expected =
            invalidType.typeName === 'record' ? `a ${invalidType.name?.split('.').pop()} record (declared fields only)` : invalidType.typeName;
          found.push(`${where}: expected ${expected}, got ${JSON.stringify(invalid) ?? String(invalid)}`);
        },
      });
      return found;
    },
  };
}

export const clickEventSchema: EventSchema<ClickEvent> = loadSchema('click-event.avsc');
export const purchaseEventSchema: EventSchema<PurchaseEvent> = loadSchema('purchase-event.avsc');
export const anomalyEventSchema: EventSchema<AnomalyEvent> = loadSchema('anomaly-event.avsc');
export const deadLetterSchema: EventSchema<DeadLetter> = loadSchema('dead-letter.avsc');

/** The value schema of each topic of SPEC §2 (subject `<topic>-value`, TopicNameStrategy). */
export const TOPIC_VALUE_SCHEMAS = {
  [TOPICS.clicks]: clickEventSchema,
  [TOPICS.purchases]: purchaseEventSchema,
  [TOPICS.deadLetters]: deadLetterSchema,
  [TOPICS.anomalies]: anomalyEventSchema,
} as const;
