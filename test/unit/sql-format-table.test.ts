import { describe, expect, it } from 'vitest';
import { cellText, formatTable, isNumericType } from '../../clickhouse/sql/format-table.ts';
import { sqlStatements } from '../../clickhouse/sql/run-sql.ts';

describe('the sql command\'s table output', () => {
  it('aligns columns, numbers to the right, and counts rows', () => {
    const text = formatTable(
      [
        { name: 'day', type: 'Date' },
        { name: 'total_clicks', type: 'UInt64' },
        { name: 'rate', type: 'Nullable(Float64)' },
      ],
      [
        ['2014-04-01', '2018', '0.03877221324717286'],
        ['2014-04-02', '7', null],
      ],
      '0.012 s',
    );
    expect(text).toBe(
      [
        ' day        │ total_clicks │ rate',
        '────────────┼──────────────┼─────────────────────',
        ' 2014-04-01 │         2018 │ 0.03877221324717286',
        ' 2014-04-02 │            7 │                NULL',
        '(2 rows, 0.012 s)',
        '',
      ].join('\n'),
    );
  });

  it('keeps every cell on one line', () => {
    expect(cellText('a\nb\tc')).toBe('a\\nb\\tc');
    expect(cellText(['x', 1])).toBe('["x",1]');
    expect(formatTable([{ name: 'n', type: 'UInt8' }], [])).toBe(' n\n───\n(0 rows)\n');
  });

  it('knows numeric ClickHouse types', () => {
    for (const type of ['UInt8', 'Int64', 'Float64', 'Decimal(18, 2)', 'Nullable(Int32)', 'LowCardinality(UInt16)']) expect(isNumericType(type)).toBe(true);
    for (const type of ['String', 'Date', 'DateTime64(3, \'UTC\')', 'Array(UInt8)', 'LowCardinality(String)']) expect(isNumericType(type)).toBe(false);
  });

  it('splits a script into statements at a ; ending a line', () => {
    expect(sqlStatements('SELECT 1;\n-- a note\nSELECT \';\' AS semi;\n')).toEqual(['SELECT 1', "SELECT ';' AS semi"]);
    expect(sqlStatements('SELECT 1')).toEqual(['SELECT 1']);
  });
});
