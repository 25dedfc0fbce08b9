/**
 * The embedded ClickHouse endpoint (clickhouse/server/main.ts) as its users
 * see it: a child process on a fresh data directory and a free port, spoken
 * to by the real @clickhouse/client and by raw HTTP requests (what curl
 * sends). Every expectation is a literal or computed here from first
 * principles (dates from Date.UTC, RowBinary bytes by hand), never read back
 * from the endpoint and compared with itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ClickHouseError, ClickHouseLogLevel, createClient as createClickHouseClient, TupleParam, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/config.ts';

// ---------------------------------------------------------------- process helpers

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Running {
  child: ChildProcess;
  output: () => string;
}

async function startEndpoint(dataDir: string, port: number): Promise<Running> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'clickhouse/server/main.ts', '--data-dir', dataDir, '--port', String(port)],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`endpoint exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/ping`)
      .then((r) => r.text())
      .catch(() => undefined);
    if (ok === 'Ok.\n') return { child, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`endpoint did not answer /ping in time:\n${output}`);
}

async function stopEndpoint(running: Running | undefined): Promise<number | null> {
  if (!running || running.child.exitCode !== null) return running?.child.exitCode ?? null;
  const exited = once(running.child, 'exit');
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 20_000);
  const [code] = (await exited) as [number | null];
  clearTimeout(timer);
  return code;
}

/** The real client; its own error logging is off, since several tests provoke errors on purpose. */
const createClient = (config: Parameters<typeof createClickHouseClient>[0]): ClickHouseClient =>
  createClickHouseClient({ ...config, log: { level: ClickHouseLogLevel.OFF } });

// ---------------------------------------------------------------- raw HTTP (what curl sends)

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

let baseUrl = '';

function raw(
  pathAndQuery: string,
  options: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}${pathAndQuery}`, { method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const q = (sql: string): string => encodeURIComponent(sql);
const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);

/** Days since 1970-01-01, as ClickHouse stores a Date. */
const epochDays = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) / 86_400_000;

/** A String in RowBinary: LEB128 length, then UTF-8 bytes. */
function rowBinaryString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 127) throw new Error('test helper handles short strings only');
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

// ---------------------------------------------------------------- the suite

describe('embedded ClickHouse HTTP endpoint (chDB)', () => {
  let dataDir: string;
  let port: number;
  let running: Running | undefined;
  let client: ClickHouseClient;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guardian-chdb-endpoint-'));
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    running = await startEndpoint(dataDir, port);
    client = createClient({ url: baseUrl, username: 'default', password: '' });
  });

  afterAll(async () => {
    await client?.close();
    await stopEndpoint(running);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers /ping and a bare GET / with "Ok.", and the client pings', async () => {
    expect((await raw('/ping')).text).toBe('Ok.\n');
    expect((await raw('/')).text).toBe('Ok.\n');
    expect(await client.ping()).toEqual({ success: true });
    expect(await client.ping({ select: true })).toEqual({ success: true });
    expect((await raw('/nope')).status).toBe(404);
  });

  const rows = [
    { id: 1, name: "O'Brien", day: '2024-02-29', tags: ['a', "it's"], score: 1.5, note: null },
    { id: 2, name: 'back\\slash and\ttab\nnewline', day: '1999-12-31', tags: [], score: -0.25, note: 'x' },
    { id: 3, name: 'ünïcødé 🚀', day: '2000-01-01', tags: ['q', 'r', 's'], score: 1e10, note: '' },
  ];

  it('creates a database and a table with command, inserts JSONEachRow and reads the same rows back', async () => {
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS it_db' });
    await client.command({
      query: `CREATE TABLE it_db.events (id UInt32, name String, day Date, tags Array(String), score Float64, note Nullable(String))
              ENGINE = MergeTree ORDER BY id`,
    });
    const inserted = await client.insert({ table: 'it_db.events', values: rows, format: 'JSONEachRow' });
    expect(inserted.summary?.written_rows).toBe('3');

    const result = await client.query({ query: 'SELECT * FROM it_db.events ORDER BY id', format: 'JSONEachRow' });
    expect(await result.json()).toEqual(rows);
    expect(result.response_headers['x-clickhouse-format']).toBe('JSONEachRow');
    expect(result.response_headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(result.response_headers['x-clickhouse-timezone']).toBe('UTC');
    expect(result.response_headers['x-clickhouse-query-id']).toBe(result.query_id);
    const summary = JSON.parse(String(result.response_headers['x-clickhouse-summary'])) as Record<string, unknown>;
    expect(Object.keys(summary).sort()).toEqual(
      ['elapsed_ns', 'read_bytes', 'read_rows', 'result_bytes', 'result_rows', 'total_rows_to_read', 'written_bytes', 'written_rows'].sort(),
    );
    expect(Object.values(summary).every((v) => typeof v === 'string' && /^\d+$/.test(v))).toBe(true);
    expect(summary.result_rows).toBe('3');
  });

  it('binds String, UInt64, Date, Array, Nullable, Tuple and Map query parameters', async () => {
    const text = "it's a \\ backslash,\ta tab,\na newline and 'quotes'";
    const result = await client.query({
      query: `SELECT {s:String} AS s, length({s:String}) AS len, toString({n:UInt64}) AS n, {d:Date} AS d, {d:Date} + 1 AS next_day,
                     {a:Array(UInt32)} AS a, arraySum({a:Array(UInt32)}) AS a_sum, {as:Array(String)} AS as,
                     {z:Nullable(String)} AS z, {t:Tuple(UInt8, String)} AS t, {m:Map(String, UInt8)} AS m`,
      format: 'JSONEachRow',
      query_params: {
        s: text,
        n: '18446744073709551615',
        d: '2024-02-29',
        a: [1, 2],
        as: ["x'y", 'b\\c', 'tab\there'],
        z: null,
        t: new TupleParam([7, "o'k"]),
        m: { "k'": 1, plain: 2 },
      },
    });
    expect(await result.json()).toEqual([
      {
        s: text,
        len: Buffer.byteLength(text),
        n: '18446744073709551615',
        d: '2024-02-29',
        next_day: '2024-03-01',
        a: [1, 2],
        a_sum: 3,
        as: ["x'y", 'b\\c', 'tab\there'],
        z: null,
        t: [7, "o'k"],
        m: { "k'": 1, plain: 2 },
      },
    ]);

    // The same through curl-style URL parameters, and as an identifier.
    const url = `/?param_tbl=events&param_db=it_db&param_arr=${q('[1,2]')}&param_id=2&query=${q(
      'SELECT arraySum({arr:Array(UInt8)}) AS s, (SELECT name FROM {db:Identifier}.{tbl:Identifier} WHERE id = {id:UInt32}) AS name FORMAT JSONEachRow',
    )}`;
    expect(jsonLines((await raw(url)).text)).toEqual([{ s: 3, name: rows[1]!.name }]);
  });

  it('binds long parameters sent in a multipart body', async () => {
    const long = `${'x'.repeat(6000)}'\\`;
    const result = await client.query({
      query: 'SELECT length({v:String}) AS len, {v:String} = {w:String} AS same, substring({v:String}, 6001) AS tail',
      format: 'JSONEachRow',
      query_params: { v: long, w: long },
      use_multipart_params: true,
    });
    expect(await result.json()).toEqual([{ len: 6002, same: 1, tail: "'\\" }]);
  });

  it('applies clickhouse_settings to its own query only, also under concurrency', async () => {
    const quoted = await client.query({
      query: 'SELECT toUInt64(7) AS v',
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    });
    expect(await quoted.json()).toEqual([{ v: '7' }]);
    // chDB 26's default is 0 (unquoted).
    const plain = await client.query({ query: 'SELECT toUInt64(7) AS v', format: 'JSONEachRow' });
    expect(await plain.json()).toEqual([{ v: 7 }]);

    // max_result_rows defaults to 0; interleave requests that set it with ones that do not.
    const results = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const settings = i % 2 === 0 ? { max_result_rows: String(1000 + i) } : {};
        const rs = await client.query({
          query: "SELECT getSetting('max_result_rows') AS v, {i:UInt32} AS i",
          format: 'JSONEachRow',
          clickhouse_settings: settings,
          query_params: { i },
        });
        return rs.json();
      }),
    );
    results.forEach((result, i) => expect(result).toEqual([{ v: i % 2 === 0 ? 1000 + i : 0, i }]));
  });

  it('rejects bad queries with ClickHouseError carrying the real code and type', async () => {
    const failure = (query: string) => client.query({ query, format: 'JSONEachRow' }).then(() => undefined, (error: unknown) => error);

    const unknownTable = await failure('SELECT * FROM it_db.no_such_table');
    expect(unknownTable).toBeInstanceOf(ClickHouseError);
    expect(unknownTable).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });

    const syntax = await failure('SELEC 1');
    expect(syntax).toBeInstanceOf(ClickHouseError);
    expect(syntax).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });

    const unknownDb = await failure('SELECT * FROM no_such_db.t');
    expect(unknownDb).toMatchObject({ code: '81', type: 'UNKNOWN_DATABASE' });

    const badSetting = await client
      .query({ query: 'SELECT 1', clickhouse_settings: { no_such_setting_xyz: 1 } as never })
      .then(() => undefined, (error: unknown) => error);
    expect(badSetting).toMatchObject({ code: '115', type: 'UNKNOWN_SETTING' });

    const commandFailure = await client.command({ query: 'DROP TABLE it_db.no_such_table' }).then(() => undefined, (error: unknown) => error);
    expect(commandFailure).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });

    // The wire format, status codes and headers, as curl sees them.
    const r60 = await raw(`/?query=${q('SELECT * FROM it_db.no_such_table')}`);
    expect(r60.status).toBe(404);
    expect(r60.headers['x-clickhouse-exception-code']).toBe('60');
    expect(r60.text).toMatch(/^Code: 60\. DB::Exception: .+\. \(UNKNOWN_TABLE\) \(version \d+(\.\d+)+\)\n$/s);
    const r62 = await raw('/', { body: 'SELEC 1' });
    expect(r62.status).toBe(400);
    expect(r62.headers['x-clickhouse-exception-code']).toBe('62');
    const r81 = await raw('/', { body: 'SELECT 1 FROM no_such_db.t' });
    expect(r81.status).toBe(404);
    expect((await raw('/', { body: 'SELECT throwIf(1)' })).status).toBe(500);
  });

  it('speaks HTTP like a ClickHouse server to curl-style requests', async () => {
    const get = await raw(`/?query=${q('SELECT 1')}`);
    expect(get.status).toBe(200);
    expect(get.text).toBe('1\n');
    expect(get.headers['x-clickhouse-format']).toBe('TabSeparated');
    expect(get.headers['content-type']).toBe('text/tab-separated-values; charset=UTF-8');
    expect(get.headers['x-clickhouse-query-id']).toMatch(/^[0-9a-f-]{36}$/);

    expect((await raw('/', { body: "SELECT 6 * 7, 'x'" })).text).toBe('42\tx\n');
    expect((await raw(`/?query=${q('SELECT')}`, { body: ' 40 + 2' })).text).toBe('42\n');
    expect((await raw(`/?query_id=my-query-1&query=${q('SELECT 1')}`)).headers['x-clickhouse-query-id']).toBe('my-query-1');

    const csv = await raw('/?default_format=CSV', { body: "SELECT 1, 'a'" });
    expect(csv.text).toBe('1,"a"\n');
    expect(csv.headers['x-clickhouse-format']).toBe('CSV');
    expect((await raw('/', { body: "SELECT 1, 'a'", headers: { 'X-ClickHouse-Format': 'JSONCompactEachRow' } })).text).toBe('[1, "a"]\n');
    expect((await raw('/?default_format=CSV', { body: 'SELECT 2 FORMAT JSONEachRow' })).text).toBe('{"2":2}\n');
    expect((await raw('/', { body: 'SELECT 1;' })).text).toBe('1\n');
    expect((await raw('/', { body: "SELECT ';' AS `a;b` -- trailing; comment" })).text).toBe(';\n');

    // Multi-byte text before a FORMAT clause and inside an INSERT prefix: offsets are bytes.
    expect((await raw(`/?query=${q("SELECT 'ünï 🚀' AS s FORMAT JSONEachRow")}`)).text).toBe('{"s":"ünï 🚀"}\n');

    const auth = { Authorization: `Basic ${Buffer.from('default:').toString('base64')}`, 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': '' };
    expect((await raw('/', { body: 'SELECT 5', headers: auth })).text).toBe('5\n');

    const multi = await raw('/', { body: 'SELECT 1; SELECT 2' });
    expect(multi.status).toBe(400);
    expect(multi.headers['x-clickhouse-exception-code']).toBe('62');
    expect(multi.text).toContain('Multi-statements are not allowed');

    const empty = await raw('/', { body: '' });
    expect(empty.headers['x-clickhouse-exception-code']).toBe('62');

    const outfile = await raw('/', { body: `SELECT 1 INTO OUTFILE '${path.join(dataDir, 'leak.txt')}'` });
    expect(outfile.headers['x-clickhouse-exception-code']).toBe('358');
    expect(fs.existsSync(path.join(dataDir, 'leak.txt'))).toBe(false);
  });

  it('compresses responses on enable_http_compression=1 and decodes gzip request bodies', async () => {
    const compressed = await raw(`/?enable_http_compression=1&query=${q('SELECT number FROM numbers(1000)')}`, {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(compressed.headers['content-encoding']).toBe('gzip');
    const expected = Array.from({ length: 1000 }, (_, i) => `${i}\n`).join('');
    expect(zlib.gunzipSync(compressed.body).toString('utf8')).toBe(expected);
    expect(compressed.body.length).toBeLessThan(Buffer.byteLength(expected));

    const deflated = await raw(`/?enable_http_compression=1&query=${q('SELECT 1')}`, { headers: { 'Accept-Encoding': 'deflate' } });
    expect(deflated.headers['content-encoding']).toBe('deflate');
    expect(zlib.inflateSync(deflated.body).toString('utf8')).toBe('1\n');

    const notAsked = await raw(`/?query=${q('SELECT 1')}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(notAsked.headers['content-encoding']).toBeUndefined();
    expect(notAsked.text).toBe('1\n');

    await client.command({ query: 'CREATE TABLE it_db.gz (id UInt32, s String) ENGINE = MergeTree ORDER BY id' });
    const body = zlib.gzipSync('{"id":1,"s":"one"}\n{"id":2,"s":"two"}\n');
    const insert = await raw(`/?query=${q('INSERT INTO it_db.gz FORMAT JSONEachRow')}`, { body, headers: { 'Content-Encoding': 'gzip' } });
    expect(insert.status).toBe(200);
    expect(JSON.parse(String(insert.headers['x-clickhouse-summary']))).toMatchObject({ written_rows: '2' });

    // The client's own compression, both directions.
    const gzClient = createClient({ url: baseUrl, compression: { request: true, response: true } });
    try {
      await gzClient.insert({ table: 'it_db.gz', values: [{ id: 3, s: 'three' }], format: 'JSONEachRow' });
      const rs = await gzClient.query({ query: 'SELECT id, s FROM it_db.gz ORDER BY id', format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([
        { id: 1, s: 'one' },
        { id: 2, s: 'two' },
        { id: 3, s: 'three' },
      ]);
    } finally {
      await gzClient.close();
    }
  });

  it('inserts CSV, TabSeparated, RowBinary and VALUES bodies and reports written_rows', async () => {
    await client.command({
      query: 'CREATE TABLE it_db.formats (id UInt32, name String, day Date, tags Array(String)) ENGINE = MergeTree ORDER BY id',
    });
    const post = (sql: string, body: string | Buffer) => raw(`/?query=${q(sql)}`, { body });
    const written = (r: RawResponse) => (JSON.parse(String(r.headers['x-clickhouse-summary'])) as { written_rows: string }).written_rows;

    const csv = await post('INSERT INTO it_db.formats FORMAT CSV', "1,\"comma, \"\"quoted\"\"\",2024-01-31,\"['x']\"\n");
    expect(csv.status).toBe(200);
    expect(written(csv)).toBe('1');

    const tsv = await post('INSERT INTO it_db.formats (id, name) FORMAT TabSeparated', '2\ttab\\there\n3\tplain\n');
    expect(written(tsv)).toBe('2');

    // RowBinary: UInt32 LE, String (LEB128 length + bytes), Date (UInt16 days), Array(String) (count + strings).
    const day = epochDays(2024, 3, 1);
    const rowBinary = Buffer.concat([
      Buffer.from([10, 0, 0, 0]),
      rowBinaryString('héllo'),
      Buffer.from([day & 0xff, day >> 8]),
      Buffer.from([2]),
      rowBinaryString('a'),
      rowBinaryString('bc'),
    ]);
    const rb = await post('INSERT INTO it_db.formats FORMAT RowBinary', rowBinary);
    expect(rb.status).toBe(200);

    const values = await raw(`/?query=${q('INSERT INTO it_db.formats VALUES')}`, { body: "(11, 'v''s', '2023-05-06', ['p'])" });
    expect(values.status).toBe(200);
    // The whole INSERT in the body, data after the format name.
    const inBody = await raw('/', { body: 'INSERT INTO it_db.formats (id, name) FORMAT JSONEachRow\n{"id":12,"name":"in body"}\n' });
    expect(inBody.status).toBe(200);
    const commented = await raw('/', { body: 'INSERT INTO it_db.formats /* é ü */ (id, name) FORMAT CSV\n13,"after ü comment"\n' });
    expect(written(commented)).toBe('1');
    // An empty body inserts nothing and succeeds.
    expect((await post('INSERT INTO it_db.formats FORMAT JSONEachRow', '')).status).toBe(200);

    const back = await client.query({ query: 'SELECT id, name, day, tags FROM it_db.formats ORDER BY id', format: 'JSONEachRow' });
    expect(await back.json()).toEqual([
      { id: 1, name: 'comma, "quoted"', day: '2024-01-31', tags: ['x'] },
      { id: 2, name: 'tab\there', day: '1970-01-01', tags: [] },
      { id: 3, name: 'plain', day: '1970-01-01', tags: [] },
      { id: 10, name: 'héllo', day: '2024-03-01', tags: ['a', 'bc'] },
      { id: 11, name: "v's", day: '2023-05-06', tags: ['p'] },
      { id: 12, name: 'in body', day: '1970-01-01', tags: [] },
      { id: 13, name: 'after ü comment', day: '1970-01-01', tags: [] },
    ]);
  });

  it('honours the database parameter and header per request', async () => {
    const dbClient = createClient({ url: baseUrl, database: 'it_db' });
    try {
      const rs = await dbClient.query({ query: 'SELECT currentDatabase() AS db, count() AS n FROM events', format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ db: 'it_db', n: 3 }]);
      await dbClient.insert({ table: 'gz', values: [{ id: 4, s: 'four' }], format: 'JSONEachRow' });
    } finally {
      await dbClient.close();
    }
    // The next request without a database is back in `default`.
    expect((await raw('/', { body: 'SELECT currentDatabase()' })).text).toBe('default\n');
    expect((await raw('/', { body: 'SELECT currentDatabase()', headers: { 'X-ClickHouse-Database': 'it_db' } })).text).toBe('it_db\n');
    expect((await raw('/?database=it_db', { body: 'SELECT s FROM gz WHERE id = 4' })).text).toBe('four\n');
    const missing = await raw('/?database=no_such_db', { body: 'SELECT 1' });
    expect(missing.headers['x-clickhouse-exception-code']).toBe('81');
  });

  it('runs GET requests read-only, as a ClickHouse server does', async () => {
    const viaGet = await raw(`/?query=${q('INSERT INTO it_db.gz VALUES (99, \'nope\')')}`);
    expect(viaGet.status).toBe(500);
    expect(viaGet.headers['x-clickhouse-exception-code']).toBe('164');
    expect((await raw(`/?query=${q('SELECT count() FROM it_db.gz WHERE id = 99')}`)).text).toBe('0\n');
  });

  it('serves many requests at once, and a long query blocks neither /ping nor other queries', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? client.query({ query: 'SELECT {i:UInt32} * 3 AS v', format: 'JSONEachRow', query_params: { i } }).then((r) => r.json())
          : raw('/', { body: `SELECT ${i} * 3 AS v FORMAT JSONEachRow` }).then((r) => jsonLines(r.text)),
      ),
    );
    answers.forEach((answer, i) => expect(answer).toEqual([{ v: i * 3 }]));

    const longStarted = Date.now();
    const long = raw('/', { body: 'SELECT sleep(2) AS s' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pingStarted = Date.now();
    expect((await raw('/ping')).text).toBe('Ok.\n');
    expect(Date.now() - pingStarted).toBeLessThan(500);
    expect((await raw('/', { body: 'SELECT 1 + 1' })).text).toBe('2\n');
    expect(Date.now() - longStarted).toBeLessThan(1500);
    const longAnswer = await long;
    expect(longAnswer.text).toBe('0\n');
    expect(Date.now() - longStarted).toBeGreaterThanOrEqual(2000);
  });

  it('keeps its data across a restart, with materialized views and Kafka tables loaded at start', async () => {
    await client.command({ query: 'CREATE TABLE it_db.mv_src (a UInt32) ENGINE = MergeTree ORDER BY a' });
    await client.command({ query: 'CREATE TABLE it_db.mv_dst (a UInt32) ENGINE = MergeTree ORDER BY a' });
    await client.command({ query: 'CREATE MATERIALIZED VIEW it_db.mv TO it_db.mv_dst AS SELECT a * 10 AS a FROM it_db.mv_src' });
    // A Kafka engine table whose broker refuses connections: its consumer must be running again after the restart.
    await client.command({
      query: `CREATE TABLE it_db.kafka_in (a UInt32) ENGINE = Kafka SETTINGS kafka_broker_list = '127.0.0.1:1',
              kafka_topic_list = 'it-endpoint', kafka_group_name = 'it-endpoint', kafka_format = 'JSONEachRow'`,
    });
    await client.command({ query: 'CREATE MATERIALIZED VIEW it_db.kafka_mv TO it_db.mv_dst AS SELECT a FROM it_db.kafka_in' });

    await client.close();
    expect(await stopEndpoint(running)).toBe(0);
    running = await startEndpoint(dataDir, port);
    client = createClient({ url: baseUrl });
    const result = await client.query({ query: 'SELECT * FROM it_db.events ORDER BY id', format: 'JSONEachRow' });
    expect(await result.json()).toEqual(rows);
    const gz = await client.query({ query: 'SELECT count() AS n FROM it_db.gz', format: 'JSONEachRow' });
    expect(await gz.json()).toEqual([{ n: 4 }]);

    // Nothing has touched the Kafka table since the restart; its consumer is up regardless.
    let consumers: unknown[] = [];
    for (let attempt = 0; attempt < 100 && consumers.length === 0; attempt++) {
      const rs = await client.query({
        query: "SELECT table FROM system.kafka_consumers WHERE database = 'it_db' AND is_currently_used",
        format: 'JSONEachRow',
      });
      consumers = await rs.json();
      if (consumers.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(consumers).toEqual([{ table: 'kafka_in' }]);

    await client.insert({ table: 'it_db.mv_src', values: [{ a: 1 }, { a: 2 }], format: 'JSONEachRow' });
    const mv = await client.query({ query: 'SELECT a FROM it_db.mv_dst ORDER BY a', format: 'JSONEachRow' });
    expect(await mv.json()).toEqual([{ a: 10 }, { a: 20 }]);
  });
});
