/** `guardian sql` against the real ClickHouse, in a private database. */
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSqlCommand } from '../../clickhouse/sql/command.ts';
import { runSql } from '../../clickhouse/sql/run-sql.ts';
import { openSandbox, type Sandbox } from '../clickhouse-sandbox.ts';

let sandbox: Sandbox;

async function output(text: string, format: string, params?: Record<string, string>, maxRows?: number): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await runSql(sandbox.client, text, { format, params, maxRows, out });
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  sandbox = await openSandbox('test_sql');
  await sandbox.client.command({
    query: `INSERT INTO daily_metrics (day, total_clicks, conversion_rate, total_revenue) VALUES
            ('2014-04-01', 2018, 0.03877221324717286, 93864), ('2014-04-02', 7, 0, -5)`,
  });
});

afterAll(async () => {
  await sandbox?.drop();
});

describe('guardian sql', () => {
  const query = 'SELECT day, total_clicks, conversion_rate, total_revenue FROM daily_metrics ORDER BY day';

  it('prints an aligned table, numbers right-aligned, at full precision', async () => {
    const text = await output(query, 'table');
    const lines = text.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      ' day        │ total_clicks │ conversion_rate     │ total_revenue',
      '────────────┼──────────────┼─────────────────────┼───────────────',
      ' 2014-04-01 │         2018 │ 0.03877221324717286 │         93864',
      ' 2014-04-02 │            7 │                   0 │            -5',
    ]);
    expect(lines[4]).toMatch(/^\(2 rows, \d+\.\d{3} s\)$/);
  });

  it('passes any ClickHouse format through, and takes placeholders', async () => {
    expect(await output(query, 'CSVWithNames')).toBe(
      '"day","total_clicks","conversion_rate","total_revenue"\n"2014-04-01",2018,0.03877221324717286,93864\n"2014-04-02",7,0,-5\n',
    );
    expect(await output('SELECT total_clicks FROM daily_metrics WHERE day = {day:Date}', 'JSONEachRow', { day: '2014-04-02' })).toBe('{"total_clicks":7}\n');
    expect(await output(`${query} FORMAT TSV`, 'table')).toBe('2014-04-01\t2018\t0.03877221324717286\t93864\n2014-04-02\t7\t0\t-5\n');
  });

  it('runs a script statement by statement, and cuts long tables', async () => {
    const text = await output('CREATE TABLE scratch (x UInt8) ENGINE = Memory;\nINSERT INTO scratch SELECT number FROM numbers(5);\nSELECT x FROM scratch ORDER BY x;', 'table', {}, 3);
    expect(text.split('\n').slice(0, 7)).toEqual(['Ok.', 'Ok.', ' x', '───', ' 0', ' 1', ' 2']);
    expect(text).toMatch(/\(3 rows, \d+\.\d{3} s, 2 more not shown \(--max-rows\)\)/);
  });

  it('as a command: the query from the argument, the database and the format from options', async () => {
    const program = new Command('guardian').exitOverride();
    registerSqlCommand(program);
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['sql', '--database', sandbox.database, '--format', 'TSV', '-p', 'n=1', 'SELECT count() + {n:UInt8} FROM daily_metrics'], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    expect(written.join('')).toBe('3\n');
  });

  it('reports ClickHouse\'s own error for bad SQL', async () => {
    await expect(output('SELECT nope FROM daily_metrics', 'table')).rejects.toThrow(/nope/);
  });
});
