/**
 * Reads a lake file back: Parquet bytes → rows of plain values, for replay
 * and for checking the lake. Flat schemas only (what parquet-encode.ts
 * writes, or any flat Parquet file).
 *
 * Values: INT64 and timestamps as numbers (epoch ms for TIMESTAMP_MILLIS;
 * an INT64 beyond 2^53 is refused, never rounded), UTF8 as strings,
 * BYTE_ARRAY as Buffers, absent optional values as null. parquetjs-lite's
 * own row cursor is not used: it fails on TIMESTAMP_MILLIS columns
 * (`new Date(+bigint)` throws "Cannot convert a BigInt value to a number").
 */
import parquet from 'parquetjs-lite';
import { GuardianError } from '../../lib/errors.ts';

export interface DecodedFile {
  /** Column names in file order. */
  columns: string[];
  rows: Record<string, unknown>[];
}

function converter(primitiveType: string, originalType: string | undefined, name: string): (v: unknown) => unknown {
  if (primitiveType === 'INT64') {
    return (v) => {
      const n = Number(v as bigint);
      if (!Number.isSafeInteger(n)) throw new GuardianError(`column ${name}: ${String(v)} is beyond 2^53`);
      return n;
    };
  }
  if (primitiveType === 'BYTE_ARRAY' && (originalType === 'UTF8' || originalType === 'ENUM')) return (v) => (v as Buffer).toString('utf8');
  return (v) => v;
}

export async function decodeParquet(buffer: Buffer): Promise<DecodedFile> {
  const reader = await parquet.ParquetReader.openBuffer(buffer);
  try {
    const fields = reader.schema.fieldList.filter((f) => !f.isNested);
    if (fields.some((f) => f.rLevelMax > 0 || f.path.length > 1)) throw new GuardianError('lake files are flat: nested or repeated columns are not supported');
    const rows: Record<string, unknown>[] = [];
    for (const group of reader.metadata.row_groups) {
      const data = await reader.envelopeReader.readRowGroup(reader.schema, group, []);
      const n = data.rowCount;
      const base = rows.length;
      for (let r = 0; r < n; r++) rows.push({});
      for (const field of fields) {
        const chunk = data.columnData[field.path.join(',')];
        if (!chunk) throw new GuardianError(`column ${field.name} missing from a row group`);
        const convert = converter(field.primitiveType, field.originalType, field.name);
        let next = 0;
        for (let r = 0; r < n; r++) {
          const present = field.dLevelMax === 0 || chunk.dlevels[r] === field.dLevelMax;
          rows[base + r]![field.name] = present ? convert(chunk.values[next++]) : null;
        }
      }
    }
    return { columns: fields.map((f) => f.name), rows };
  } finally {
    await reader.close();
  }
}
