/**
 * The columns of a lake file, typed from the topic's Avro value schema
 * (one column per top-level field), followed by the Kafka coordinates of
 * each record — the names ClickHouse's Kafka engine uses for its virtual
 * columns:
 *
 * | column | Parquet type | meaning |
 * |---|---|---|
 * | `_topic` | UTF8 | source topic |
 * | `_partition` | INT32 | source partition |
 * | `_offset` | INT64 | source offset |
 * | `_timestamp` | TIMESTAMP_MILLIS | the Kafka message timestamp |
 * | `_key` | BYTE_ARRAY, optional | the message key, as sent (replay re-sends it) |
 *
 * Avro → Parquet: long → INT64 (timestamp-millis → TIMESTAMP_MILLIS,
 * timestamp-micros → TIMESTAMP_MICROS), int → INT32 (date → DATE),
 * string and enum → UTF8, boolean, float, double, bytes → BYTE_ARRAY;
 * `["null", T]` → optional T. Nested records, arrays, maps, fixed and wider
 * unions are refused with the field's name: the raw topics are flat.
 */
import type avro from 'avsc';
import { ConfigError } from '../../lib/errors.ts';

export type ParquetType =
  | 'INT64'
  | 'INT32'
  | 'TIMESTAMP_MILLIS'
  | 'TIMESTAMP_MICROS'
  | 'DATE'
  | 'UTF8'
  | 'BOOLEAN'
  | 'FLOAT'
  | 'DOUBLE'
  | 'BYTE_ARRAY';

export interface LakeColumn {
  name: string;
  type: ParquetType;
  optional: boolean;
}

/** One consumed record as the sink buffers it. */
export interface LakeRow {
  /** The decoded Avro value (reader schema's shape). */
  value: Record<string, unknown>;
  offset: number;
  /** Kafka message timestamp, epoch ms. */
  timestamp: number;
  key: Buffer | null;
}

export const META_COLUMNS: readonly LakeColumn[] = [
  { name: '_topic', type: 'UTF8', optional: false },
  { name: '_partition', type: 'INT32', optional: false },
  { name: '_offset', type: 'INT64', optional: false },
  { name: '_timestamp', type: 'TIMESTAMP_MILLIS', optional: false },
  { name: '_key', type: 'BYTE_ARRAY', optional: true },
];

export interface LakeSchema {
  /** Value columns, in Avro field order. */
  valueColumns: LakeColumn[];
  /** Value columns then META_COLUMNS: the file's column order. */
  columns: LakeColumn[];
  /** The value field holding the event time (epoch ms). */
  eventTimeField: string;
}

type AvroField = { name: string; type: avro.Schema };

function primitiveColumn(field: string, type: avro.Schema): ParquetType {
  if (typeof type === 'string') {
    const byName: Record<string, ParquetType> = {
      long: 'INT64',
      int: 'INT32',
      string: 'UTF8',
      boolean: 'BOOLEAN',
      float: 'FLOAT',
      double: 'DOUBLE',
      bytes: 'BYTE_ARRAY',
    };
    const mapped = byName[type];
    if (mapped) return mapped;
  } else if (!Array.isArray(type) && typeof type === 'object') {
    const t = type as { type: string; logicalType?: string };
    if (t.type === 'enum') return 'UTF8';
    if (t.type === 'long' && t.logicalType === 'timestamp-millis') return 'TIMESTAMP_MILLIS';
    if (t.type === 'long' && t.logicalType === 'timestamp-micros') return 'TIMESTAMP_MICROS';
    if (t.type === 'int' && t.logicalType === 'date') return 'DATE';
    if (typeof t.type === 'string' && !['record', 'array', 'map', 'fixed', 'enum'].includes(t.type)) {
      return primitiveColumn(field, t.type as avro.Schema);
    }
  }
  throw new ConfigError(`field "${field}": Avro type ${JSON.stringify(type)} has no flat Parquet column in the lake`);
}

/** The lake schema of an Avro record schema; `eventTimeField` must be a timestamp-millis long. */
export function lakeSchemaOf(schema: avro.Schema, eventTimeField = 'timestamp'): LakeSchema {
  const record = schema as { type?: string; fields?: AvroField[] };
  if (record.type !== 'record' || !Array.isArray(record.fields)) throw new ConfigError('lake: the value schema must be an Avro record');
  const valueColumns = record.fields.map((field): LakeColumn => {
    if (field.name.startsWith('_')) throw new ConfigError(`field "${field.name}": names starting with "_" are reserved for the lake's Kafka columns`);
    if (Array.isArray(field.type)) {
      const branches = field.type.filter((b) => b !== 'null');
      if (branches.length !== 1 || field.type.length !== 2) {
        throw new ConfigError(`field "${field.name}": only ["null", T] unions map to a Parquet column, got ${JSON.stringify(field.type)}`);
      }
      return { name: field.name, type: primitiveColumn(field.name, branches[0]!), optional: true };
    }
    return { name: field.name, type: primitiveColumn(field.name, field.type), optional: false };
  });
  const eventTime = valueColumns.find((c) => c.name === eventTimeField);
  if (!eventTime || eventTime.type !== 'TIMESTAMP_MILLIS' || eventTime.optional) {
    throw new ConfigError(`event-time field "${eventTimeField}": expected a required long with logicalType timestamp-millis in the value schema`);
  }
  return { valueColumns, columns: [...valueColumns, ...META_COLUMNS], eventTimeField };
}

/** The rows of one file as column arrays, in `schema.columns` order (null for an absent optional value). */
export function toColumns(schema: LakeSchema, rows: readonly LakeRow[], topic: string, partition: number): unknown[][] {
  const n = rows.length;
  const out: unknown[][] = schema.valueColumns.map((c) => {
    const values = new Array<unknown>(n);
    for (let i = 0; i < n; i++) values[i] = rows[i]!.value[c.name] ?? null;
    return values;
  });
  const offsets = new Array<number>(n);
  const timestamps = new Array<number>(n);
  const keys = new Array<Buffer | null>(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    offsets[i] = row.offset;
    timestamps[i] = row.timestamp;
    keys[i] = row.key;
  }
  out.push(new Array<string>(n).fill(topic), new Array<number>(n).fill(partition), offsets, timestamps, keys);
  return out;
}
