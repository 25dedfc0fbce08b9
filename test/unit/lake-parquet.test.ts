/**
 * Lake files: columns typed from the Avro schema, SNAPPY compressed, the
 * same bytes for the same rows, and read back value for value.
 */
import parquet from 'parquetjs-lite';
import { describe, expect, it } from 'vitest';
import { lakeSchemaOf, toColumns, type LakeRow } from '../../ingest/lake/lake-schema.ts';
import { decodeParquet } from '../../ingest/lake/parquet-decode.ts';
import { encodeParquet } from '../../ingest/lake/parquet-encode.ts';
import { clickEventSchema, deadLetterSchema, purchaseEventSchema } from '../../schemas/index.ts';

const clickRows: LakeRow[] = Array.from({ length: 2500 }, (_, i) => ({
  value: { session_id: 900_000_000_000 + i, timestamp: Date.UTC(2014, 3, 7, 10) + i * 997, item_id: 214_536_502 + (i % 17), category: i % 3 === 0 ? 'S' : String(i % 13) },
  offset: 10_000 + i,
  timestamp: 1_795_000_000_000 + i,
  key: i % 100 === 0 ? null : Buffer.from(String(900_000_000_000 + i)),
}));

describe('lake schema from Avro', () => {
  it('types the click columns and appends the Kafka columns', () => {
    expect(lakeSchemaOf(clickEventSchema.schema).columns.map((c) => `${c.name}:${c.type}${c.optional ? '?' : ''}`)).toEqual([
      'session_id:INT64', 'timestamp:TIMESTAMP_MILLIS', 'item_id:INT64', 'category:UTF8',
      '_topic:UTF8', '_partition:INT32', '_offset:INT64', '_timestamp:TIMESTAMP_MILLIS', '_key:BYTE_ARRAY?',
    ]);
    expect(lakeSchemaOf(purchaseEventSchema.schema).valueColumns.map((c) => c.type)).toEqual(['INT64', 'TIMESTAMP_MILLIS', 'INT64', 'INT64', 'INT32']);
  });

  it('maps ["null", T] to an optional column and names the field it cannot map', () => {
    expect(lakeSchemaOf(deadLetterSchema.schema, 'error_time').valueColumns.find((c) => c.name === 'line')).toEqual({ name: 'line', type: 'INT64', optional: true });
    const nested = { type: 'record', name: 'X', fields: [{ name: 'timestamp', type: { type: 'long', logicalType: 'timestamp-millis' } }, { name: 'tags', type: { type: 'array', items: 'string' } }] };
    expect(() => lakeSchemaOf(nested as never)).toThrow(/field "tags"/);
    expect(() => lakeSchemaOf(clickEventSchema.schema, 'item_id')).toThrow(/event-time field "item_id"/);
  });
});

describe('Parquet encoding', () => {
  const schema = lakeSchemaOf(clickEventSchema.schema);
  const encode = () => encodeParquet(schema.columns, toColumns(schema, clickRows, 'km.clicks.raw.v1', 2), clickRows.length);

  it('reads back every value, nulls included', async () => {
    const { columns, rows } = await decodeParquet(await encode());
    expect(columns).toEqual(schema.columns.map((c) => c.name));
    const flat = (r: Record<string, unknown>) => JSON.stringify(r, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? `buf:${Buffer.from((v as { data: number[] }).data).toString()}` : v));
    expect(rows.map(flat)).toEqual(
      clickRows.map((src) => flat({ ...src.value, _topic: 'km.clicks.raw.v1', _partition: 2, _offset: src.offset, _timestamp: src.timestamp, _key: src.key })),
    );
    expect(rows.filter((r) => r._key === null)).toHaveLength(25);
  });

  it('writes the same bytes for the same rows (a rewrite after a crash is identical)', async () => {
    expect((await encode()).equals(await encode())).toBe(true);
  });

  it('is SNAPPY compressed, data pages v1, typed columns in the footer', async () => {
    const reader = await parquet.ParquetReader.openBuffer(await encode());
    const meta = reader.metadata as unknown as {
      row_groups: Array<{ columns: Array<{ meta_data: { codec: number; path_in_schema: string[] } }> }>;
      schema: Array<{ name: string; type?: number; converted_type?: number | null }>;
    };
    const SNAPPY = 1; // parquet.thrift CompressionCodec
    expect(meta.row_groups[0]!.columns.every((c) => c.meta_data.codec === SNAPPY)).toBe(true);
    const INT64 = 2;
    const TIMESTAMP_MILLIS = 9; // parquet.thrift ConvertedType
    expect(meta.schema.find((s) => s.name === 'timestamp')).toMatchObject({ type: INT64, converted_type: TIMESTAMP_MILLIS });
    expect(Number(reader.getRowCount())).toBe(clickRows.length);
    await reader.close();
  });

  it('refuses a missing value in a required column', async () => {
    const broken = [{ ...clickRows[0]!, value: { ...clickRows[0]!.value, item_id: null } }];
    await expect(encodeParquet(schema.columns, toColumns(schema, broken, 't', 0), 1)).rejects.toThrow(/item_id/);
  });
});
