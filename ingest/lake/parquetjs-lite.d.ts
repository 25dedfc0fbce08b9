/**
 * The part of parquetjs-lite 0.8.x (plain JavaScript, no published types)
 * that the lake uses, typed from its sources in node_modules/parquetjs-lite/lib.
 */
declare module 'parquetjs-lite' {
  export interface ParquetFieldOptions {
    type: string;
    optional?: boolean;
    compression?: 'UNCOMPRESSED' | 'GZIP' | 'SNAPPY';
    encoding?: 'PLAIN' | 'RLE';
    /** false: no min/max statistics in page headers and column metadata. */
    statistics?: boolean;
  }

  export interface ParquetField {
    name: string;
    path: string[];
    primitiveType: string;
    originalType?: string;
    repetitionType: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
    rLevelMax: number;
    dLevelMax: number;
    isNested?: boolean;
  }

  export class ParquetSchema {
    constructor(fields: Record<string, ParquetFieldOptions>);
    readonly fieldList: ParquetField[];
    findField(path: string | string[]): ParquetField;
  }

  /** A shredded column, as `ParquetShredder.shredRecord` lays it out. */
  export interface ShreddedColumn {
    dlevels: number[];
    rlevels: number[];
    values: unknown[];
    distinct_values: Set<unknown>;
    count: number;
  }

  export interface RowBuffer {
    rowCount: number;
    pageRowCount: number;
    columnData: Record<string, ShreddedColumn>;
    pages: Record<string, unknown[]>;
  }

  export interface WriterOptions {
    useDataPageV2?: boolean;
    pageIndex?: boolean;
    rowGroupSize?: number;
    pageSize?: number;
  }

  export class ParquetEnvelopeWriter {
    constructor(
      schema: ParquetSchema,
      writeFn: (buf: Buffer) => Promise<void> | void,
      closeFn: () => Promise<void> | void,
      fileOffset: number,
      opts: WriterOptions,
    );
  }

  export class ParquetWriter {
    constructor(schema: ParquetSchema, envelopeWriter: ParquetEnvelopeWriter, opts: WriterOptions);
    /** Rows shredded and not yet written; `close()` encodes and writes what it holds. */
    rowBuffer: RowBuffer | Record<string, never>;
    appendRow(row: Record<string, unknown>): Promise<void>;
    setMetadata(key: string, value: string): void;
    close(): Promise<void>;
  }

  export interface ColumnChunkData {
    dlevels: number[];
    rlevels: number[];
    values: unknown[];
    count: number;
  }

  export interface RowGroupMetadata {
    num_rows: unknown;
  }

  export class ParquetEnvelopeReader {
    readRowGroup(schema: ParquetSchema, rowGroup: RowGroupMetadata, columnList: string[][]): Promise<{ rowCount: number; columnData: Record<string, ColumnChunkData> }>;
  }

  export class ParquetReader {
    static openBuffer(buffer: Buffer): Promise<ParquetReader>;
    readonly schema: ParquetSchema;
    readonly envelopeReader: ParquetEnvelopeReader;
    readonly metadata: { row_groups: RowGroupMetadata[]; num_rows: unknown };
    getRowCount(): unknown;
    getMetadata(): Record<string, string>;
    close(): Promise<void>;
  }

  const parquet: {
    ParquetSchema: typeof ParquetSchema;
    ParquetWriter: typeof ParquetWriter;
    ParquetEnvelopeWriter: typeof ParquetEnvelopeWriter;
    ParquetReader: typeof ParquetReader;
  };
  export default parquet;
}
