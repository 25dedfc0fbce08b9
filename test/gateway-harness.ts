/**
 * Shared by the gateway's integration suites: the gateway started in-process
 * on a free port, pointed at a private ClickHouse database and a private
 * PostgreSQL schema (nothing shared with other tests), and a small GraphQL
 * client over real HTTP.
 */
import { loadConfig } from '../lib/config.ts';
import { startGateway, type Gateway, type GatewayOptions } from '../graphql/server.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data: T | null | undefined;
  errors: { message: string; extensions?: { code?: string; argument?: string } }[] | undefined;
}

/** Starts a gateway on 127.0.0.1:<free port> with `env` over the process environment (e.g. CLICKHOUSE_DATABASE, GATEWAY_AUTH). */
export async function startTestGateway(env: Record<string, string>, options: Omit<GatewayOptions, 'config'> = {}): Promise<Gateway> {
  const config = loadConfig({ ...process.env, GATEWAY_CACHE_TTL_MS: '0', ...env });
  return startGateway({ live: false, ...options, config, port: 0, host: '127.0.0.1' });
}

/** POSTs one operation to `<url>/graphql` and returns status, data and errors. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLResponse['errors'] };
  return { status: response.status, data: body.data, errors: body.errors };
}

/** The data of a response that must have no errors. */
export async function gqlData<T = Record<string, unknown>>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await gql<T>(url, query, variables);
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors for ${query.trim().slice(0, 80)}: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** A counter of the gateway's /metrics, by name and exact label string (e.g. `dependency="clickhouse"`). */
export async function metricValue(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}}`;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/**
 * Opens an SSE subscription (POST with Accept: text/event-stream, as
 * Yoga serves it) and yields each `next` event's payload.
 */
export async function subscribe<T>(url: string, query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<AsyncGenerator<{ data?: T; errors?: unknown[] }>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`subscription failed: HTTP ${response.status} ${await response.text()}`);
  const body = response.body;
  return (async function* events() {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = event.split('\n');
        const type = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
        const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (type === 'complete') return;
        if (data !== '' && (type === undefined || type === 'next')) yield JSON.parse(data) as { data?: T; errors?: unknown[] };
      }
    }
  })();
}
