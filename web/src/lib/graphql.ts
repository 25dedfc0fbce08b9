/**
 * The dashboard's GraphQL client: one `fetch` POST per operation to the
 * gateway that served the page (same origin, `./graphql`), nothing cached.
 *
 * Failures come back as one of two errors, so that the UI can tell them apart:
 * - `GatewayUnreachableError`: no HTTP answer, or a 5xx/gateway-level answer
 *   without a GraphQL body. The app shows the "gateway down" banner.
 * - `GraphQLRequestError`: the gateway answered with GraphQL errors (bad
 *   argument, a dependency down, 401 ...). The panel shows the message; its
 *   `code` is the gateway's `extensions.code`.
 */
import { connection } from './connection.svelte.ts';

export const GRAPHQL_PATH = './graphql';
const TIMEOUT_MS = 20_000;

export class GatewayUnreachableError extends Error {
  override name = 'GatewayUnreachableError';
}

export class GraphQLRequestError extends Error {
  override name = 'GraphQLRequestError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string };
}

interface GraphQLResponseBody<T> {
  data?: T | null;
  errors?: GraphQLErrorBody[];
}

/** Headers every request carries: JSON, and the API key when the user gave one (gateway auth on). */
export function requestHeaders(accept: string): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept };
  const key = connection.apiKey;
  if (key) headers['x-api-key'] = key;
  return headers;
}

/** Runs one query; resolves to its `data` or rejects with one of the errors above. */
export async function request<T>(query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  let response: Response;
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: requestHeaders('application/graphql-response+json, application/json'),
      body: JSON.stringify({ query, variables }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    connection.reportDown(timeout.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : 'no connection');
    throw new GatewayUnreachableError(timeout.aborted ? 'The gateway did not answer in time.' : 'The gateway cannot be reached.');
  }
  let body: GraphQLResponseBody<T> | undefined;
  try {
    body = (await response.json()) as GraphQLResponseBody<T>;
  } catch {
    body = undefined;
  }
  if (body === undefined || (body.data == null && !body.errors?.length)) {
    if (response.status >= 500 || body === undefined) {
      connection.reportDown(`HTTP ${response.status}`);
      throw new GatewayUnreachableError(`The gateway answered HTTP ${response.status}.`);
    }
  }
  connection.reportUp();
  const first = body?.errors?.[0];
  if (first) {
    const code = first.extensions?.code;
    if (code === 'UNAUTHENTICATED' || response.status === 401) connection.reportUnauthenticated();
    throw new GraphQLRequestError(first.message, code, response.status);
  }
  return body!.data as T;
}

/** A readable one-line message for a panel. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
