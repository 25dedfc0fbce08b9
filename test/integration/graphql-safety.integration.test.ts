/**
 * The gateway's safety rules over real HTTP (private, nearly empty
 * ClickHouse database and PostgreSQL schema):
 * - every invalid argument is a BAD_USER_INPUT error naming it, whether the
 *   schema's types catch it (literal or variable) or a range check does;
 *   asking for something that does not exist is NOT_FOUND;
 * - abusive operations (too deep, too costly, too many aliases or tokens)
 *   are refused before any database is asked;
 * - with auth on, /graphql and /metrics answer 401 without a valid key or
 *   token, while /health, the dashboard and the GraphiQL page stay open.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../graphql/server.ts';
import { openSandbox, type Sandbox } from '../clickhouse-sandbox.ts';
import { createDetectorSchema } from '../detector-helpers.ts';
import { gql, metricValue, startTestGateway } from '../gateway-harness.ts';
import { config, uniqueName } from '../helpers.ts';

const API_KEY = `test-key-${'x'.repeat(16)}`;
const JWT_SECRET = 'gateway-test-secret-of-32-characters';
const KNOWN_SESSION = 4242;

let sandbox: Sandbox;
let postgres: { schema: string; pool: pg.Pool; drop(): Promise<void> };
let open: Gateway;
let keyed: Gateway;
let jwt: Gateway;
let emptyStatic: string;

beforeAll(async () => {
  sandbox = await openSandbox('test_gateway_safety');
  postgres = await createDetectorSchema(config, uniqueName('gw_safety'));
  await postgres.pool.query(
    `INSERT INTO ${postgres.schema}.anomaly_sessions (session_id, anomaly_type, window_start, window_end, click_count, unique_items)
     VALUES ($1, 'HIGH_FREQUENCY', '2014-04-01T10:00:00Z', '2014-04-01T10:00:10Z', 60, 2)`,
    [KNOWN_SESSION],
  );
  emptyStatic = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-no-dashboard-'));
  const scope = { CLICKHOUSE_DATABASE: sandbox.database, DETECTOR_PG_SCHEMA: postgres.schema };
  open = await startTestGateway(scope, { staticDir: emptyStatic });
  keyed = await startTestGateway({ ...scope, GATEWAY_AUTH: 'api-key', GATEWAY_API_KEYS: API_KEY }, { staticDir: emptyStatic });
  jwt = await startTestGateway({ ...scope, GATEWAY_AUTH: 'jwt', GATEWAY_JWT_SECRET: JWT_SECRET, GATEWAY_JWT_ISSUER: 'guardian-tests' });
});

afterAll(async () => {
  await Promise.all([open?.close(), keyed?.close(), jwt?.close()]);
  await sandbox?.drop();
  await postgres?.drop();
  if (emptyStatic) fs.rmSync(emptyStatic, { recursive: true, force: true });
});

describe('invalid arguments', () => {
  const cases: [string, string, Record<string, unknown> | undefined, string][] = [
    ['a day that does not exist', '{ funnel(date: "2014-13-01") { date } }', undefined, 'date'],
    ['a day that is not a date', '{ funnel(date: "yesterday") { date } }', undefined, 'date'],
    ['a day in a variable', 'query($d: Date!) { funnel(date: $d) { date } }', { d: '2014-02-30' }, 'date'],
    ['a day as a number', '{ dailyMetrics(from: 20140401, to: "2014-04-02") { date } }', undefined, 'from'],
    ['a missing required day', '{ funnel { date } }', undefined, 'date'],
    ['a missing required variable', 'query($d: Date!) { funnel(date: $d) { date } }', {}, 'date'],
    ['a range ending before it starts', '{ dailyMetrics(from: "2014-04-05", to: "2014-04-01") { date } }', undefined, 'to'],
    ['a range longer than 366 days', '{ dailyMetrics(from: "2013-01-01", to: "2014-04-01") { date } }', undefined, 'to'],
    ['a summary range ending before it starts', '{ summary(from: "2014-04-05", to: "2014-04-01") { totalClicks } }', undefined, 'to'],
    ['an items limit of 0', '{ popularItems(date: "2014-04-01", limit: 0) { rank } }', undefined, 'limit'],
    ['an items limit above 100', '{ popularItems(date: "2014-04-01", limit: 101) { rank } }', undefined, 'limit'],
    ['a categories limit above 20', '{ popularCategories(date: "2014-04-01", limit: 21) { rank } }', undefined, 'limit'],
    ['a trending limit above 100', 'query($n: Int) { trendingItems(limit: $n) { date } }', { n: 1000 }, 'limit'],
    ['a page size of 0', '{ anomalies(first: 0) { totalCount } }', undefined, 'first'],
    ['a page size above 500', '{ anomalies(first: 501) { totalCount } }', undefined, 'first'],
    ['a cursor that is not one', '{ anomalies(after: "garbage") { totalCount } }', undefined, 'after'],
    ['an unknown anomaly type', '{ anomalies(type: SLOW_CLICKER) { totalCount } }', undefined, 'type'],
    ['an unknown anomaly type in a variable', 'query($t: AnomalyType) { anomalies(type: $t) { totalCount } }', { t: 'SLOW_CLICKER' }, 'type'],
    ['a negative session id', '{ anomalies(sessionId: -5) { totalCount } }', undefined, 'sessionId'],
    ['a session id that is not a number', '{ anomalies(sessionId: "abc") { totalCount } }', undefined, 'sessionId'],
    ['a fractional session id', 'query($s: Long) { anomalies(sessionId: $s) { totalCount } }', { s: 1.5 }, 'sessionId'],
    ['an instant without a time', '{ anomalies(from: "2014-04-01") { totalCount } }', undefined, 'from'],
    ['an instant without a time zone', '{ anomalyCounts(to: "2014-04-01T10:00:00") { type } }', undefined, 'to'],
    ['an instant range ending before it starts', '{ anomalies(from: "2014-04-02T00:00:00Z", to: "2014-04-01T00:00:00Z") { totalCount } }', undefined, 'to'],
    ['no hours', '{ anomalyTimeline(hours: 0) { from } }', undefined, 'hours'],
    ['more than 720 hours', '{ anomalyTimeline(hours: 721) { from } }', undefined, 'hours'],
    ['a session id of 0', '{ session(id: 0) { id } }', undefined, 'id'],
    ['a clicks limit above 1000', `{ session(id: ${KNOWN_SESSION}) { clicks(limit: 5000) { itemId } } }`, undefined, 'limit'],
    ['a rollup-runs limit above 200', '{ pipelineStatus { rollupRuns(limit: 201) { step } } }', undefined, 'limit'],
  ];

  it.each(cases)('%s is BAD_USER_INPUT naming the argument', async (_name, query, variables, argument) => {
    const { errors } = await gql(open.url, query, variables);
    expect(errors, JSON.stringify(errors)).toHaveLength(1);
    expect(errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(errors![0]!.message.startsWith(`${argument}: `), errors![0]!.message).toBe(true);
  });

  it('says what was expected', async () => {
    expect((await gql(open.url, '{ funnel(date: "2014-13-01") { date } }')).errors?.[0]?.message).toBe('date: expected a day YYYY-MM-DD, got "2014-13-01"');
    expect((await gql(open.url, '{ popularItems(date: "2014-04-01", limit: 101) { rank } }')).errors?.[0]?.message).toBe('limit: expected an integer from 1 to 100, got 101');
    expect((await gql(open.url, '{ anomalies(type: SLOW_CLICKER) { totalCount } }')).errors?.[0]?.message).toMatch(/^type: Value "SLOW_CLICKER" does not exist in "AnomalyType" enum/);
  });
});

describe('things that do not exist', () => {
  const cases: [string, string, string][] = [
    ['an unknown session', '{ session(id: 123456789) { id } }', 'id'],
    ['metrics of a day without data', '{ dailyMetricsForDate(date: "2014-04-01") { date } }', 'date'],
    ['the funnel of a day without data', '{ funnel(date: "2014-04-01") { date } }', 'date'],
    ['popular items of a day never rolled up', '{ popularItems(date: "2014-04-01") { rank } }', 'date'],
    ['trending items before any rollup', '{ trendingItems { date } }', 'date'],
  ];
  it.each(cases)('%s is NOT_FOUND naming the argument', async (_name, query, argument) => {
    const { errors } = await gql(open.url, query);
    expect(errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', argument });
  });

  it('a session with an anomaly but no events is found', async () => {
    const { data } = await gql<{ session: { id: number; clickCount: number; anomalies: { clickCount: number }[] } }>(open.url, `{ session(id: ${KNOWN_SESSION}) { id clickCount anomalies { clickCount } } }`);
    expect(data?.session).toEqual({ id: KNOWN_SESSION, clickCount: 0, anomalies: [{ clickCount: 60 }] });
  });
});

describe('limits on abusive operations', () => {
  const queriesSent = async () =>
    (await metricValue(open.url, 'guardian_gateway_dependency_queries_total', 'dependency="clickhouse"')) +
    (await metricValue(open.url, 'guardian_gateway_dependency_queries_total', 'dependency="postgres"'));

  it('refuses them with a coded error, before asking any database', async () => {
    const before = await queriesSent();
    const deep = await gql(open.url, '{ anomalies { nodes { session { anomalies { session { anomalies { session { anomalies { type } } } } } } } } }');
    expect(deep.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
    expect(deep.errors?.[0]?.message).toMatch(/^Query depth limit of 8 exceeded, found 9\.$/);

    const costly = await gql(open.url, '{ anomalies(first: 500) { nodes { session { clicks(limit: 1000) { itemId timestamp } } } } }');
    expect(costly.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: 20_000 });
    const costlyByVariables = await gql(open.url, 'query($n: Int, $m: Int) { anomalies(first: $n) { nodes { session { clicks(limit: $m) { itemId } } } } }', { n: 300, m: 800 });
    expect(costlyByVariables.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');

    const aliases = await gql(open.url, `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: dataClock { time }`).join(' ')} }`);
    expect(aliases.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ALIASES');

    const tokens = await gql(open.url, `{ dataClock { ${'time '.repeat(2100)} } }`);
    expect(tokens.errors?.[0]?.extensions?.code).toBe('TOO_MANY_TOKENS');

    expect(await queriesSent()).toBe(before);
  });

  it('lets the same shapes through within the limits', async () => {
    const { errors } = await gql(open.url, 'query($n: Int) { anomalies(first: $n) { nodes { session { clicks(limit: 10) { itemId } } } } }', { n: 100 });
    expect(errors).toBeUndefined();
  });
});

describe('auth', () => {
  const post = (gateway: Gateway, headers: Record<string, string> = {}, body = { query: '{ dataClock { date } }' }) =>
    fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('api-key: 401 without a valid key, data with one', async () => {
    const none = await post(keyed);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    expect((await post(keyed, { 'x-api-key': 'wrong-key-0000000000' })).status).toBe(401);
    const withHeader = await post(keyed, { 'x-api-key': API_KEY });
    expect(withHeader.status).toBe(200);
    expect(await withHeader.json()).toEqual({ data: { dataClock: { date: null } } });
    expect((await post(keyed, { authorization: `Bearer ${API_KEY}` })).status).toBe(200);
    const subscription = await fetch(`${keyed.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: 'subscription { anomalyDetected { type } }' }) });
    expect(subscription.status).toBe(401);
  });

  it('api-key: /health, the dashboard and the GraphiQL page stay open; /metrics does not', async () => {
    expect((await fetch(`${keyed.url}/health`)).status).toBe(200);
    const home = await fetch(`${keyed.url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('The dashboard is not built yet');
    expect((await fetch(`${keyed.url}/graphql`, { headers: { accept: 'text/html' } })).status).toBe(200);
    expect((await fetch(`${keyed.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${keyed.url}/metrics`, { headers: { 'x-api-key': API_KEY } })).status).toBe(200);
  });

  it('jwt: 401 without a valid token, data with one', async () => {
    const secret = new TextEncoder().encode(JWT_SECRET);
    const token = await new SignJWT({ sub: 'dashboard' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('guardian-tests').setExpirationTime('2m').sign(secret);
    const otherIssuer = await new SignJWT({ sub: 'dashboard' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('someone-else').setExpirationTime('2m').sign(secret);
    expect((await post(jwt)).status).toBe(401);
    expect((await post(jwt, { authorization: `Bearer ${otherIssuer}` })).status).toBe(401);
    expect((await post(jwt, { authorization: 'Bearer not.a.token' })).status).toBe(401);
    const ok = await post(jwt, { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { dataClock: { date: null } } });
    expect((await fetch(`${jwt.url}/health`)).status).toBe(200);
  });
});

describe('a dependency that is down', () => {
  it('makes /health answer 503 naming it, and queries that need it SERVICE_UNAVAILABLE', async () => {
    const broken = await startTestGateway({ CLICKHOUSE_URL: 'http://127.0.0.1:1', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/clickstream' });
    try {
      const health = await fetch(`${broken.url}/health`);
      expect(health.status).toBe(503);
      const report = (await health.json()) as { status: string; dependencies: { name: string; up: boolean; error?: string }[] };
      expect(report.status).toBe('down');
      expect(report.dependencies.filter((d) => !d.up).map((d) => d.name)).toEqual(['clickhouse', 'postgres']);
      expect(report.dependencies.find((d) => d.name === 'clickhouse')?.error).toMatch(/ECONNREFUSED/);
      const clock = await gql(broken.url, '{ dataClock { time } }');
      expect(clock.data).toBeNull();
      expect(clock.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', dependency: 'ClickHouse' });
      expect(clock.errors?.[0]?.message).toMatch(/^ClickHouse is unavailable: .*ECONNREFUSED/);
      const list = await gql(broken.url, '{ anomalies { totalCount } }');
      expect(list.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', dependency: 'PostgreSQL' });
      expect(await metricValue(broken.url, 'guardian_gateway_dependency_up', 'dependency="clickhouse"')).toBe(0);
    } finally {
      await broken.close();
    }
  });
});
