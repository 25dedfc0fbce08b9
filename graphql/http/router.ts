/**
 * The gateway's HTTP routes:
 *
 *   /graphql   the API (POST, GET; SSE subscriptions with Accept: text/event-stream);
 *              GraphiQL for a browser's GET (Accept: text/html) when enabled
 *   /health    dependency health, JSON; 200 when queries can be served, 503 when not
 *   /metrics   Prometheus text format
 *   /…         the dashboard (static files)
 *
 * With auth on, /graphql and /metrics need a key or token (401 with a
 * coded JSON error otherwise); /health, the dashboard's files and the
 * GraphiQL page (which holds no data) stay open.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../lib/logger.ts';
import type { HealthProbes } from '../data/health.ts';
import { ErrorCode } from '../errors.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { GatewayYoga, ServerContext } from '../yoga.ts';
import type { Authenticator } from './auth.ts';
import type { StaticHandler } from './static-files.ts';

export interface RouterDeps {
  yoga: GatewayYoga;
  authenticate: Authenticator;
  health: HealthProbes;
  metrics: GatewayMetrics;
  staticFiles: StaticHandler;
  graphiql: boolean;
  logger: Logger;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
};

const accepts = (req: IncomingMessage, type: string) => (req.headers.accept ?? '').includes(type);

export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  // Yoga's Node listener takes server-context objects after (req, res) and merges them into the
  // context (here: who is calling); its type declares only (req, res).
  const yogaListener = deps.yoga.requestListener as unknown as (req: IncomingMessage, res: ServerResponse, context: ServerContext) => Promise<void>;
  const unauthorized = (res: ServerResponse, reason: string) =>
    json(res, 401, { errors: [{ message: `unauthenticated: ${reason}`, extensions: { code: ErrorCode.unauthenticated } }] }, { 'www-authenticate': 'Bearer realm="clickstream-guardian"' });

  const route = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    if (pathname === '/health') {
      const report = await deps.health.check();
      json(res, report.status === 'down' ? 503 : 200, {
        status: report.status,
        checkedAt: new Date(report.checkedAt).toISOString(),
        dependencies: report.dependencies.map((d) => ({ name: d.name, up: d.up, latencyMs: Math.round(d.latencyMs * 10) / 10, critical: d.critical, ...(d.error ? { error: d.error } : {}) })),
      });
      return;
    }
    if (pathname === '/metrics' || pathname === '/graphql') {
      const graphiqlPage = pathname === '/graphql' && deps.graphiql && req.method === 'GET' && accepts(req, 'text/html');
      let principal = 'anonymous';
      if (!graphiqlPage && req.method !== 'OPTIONS') {
        const outcome = await deps.authenticate(req.headers);
        if (!outcome.ok) return unauthorized(res, outcome.reason);
        principal = outcome.principal;
      }
      if (pathname === '/metrics') {
        const body = await deps.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(body);
        return;
      }
      await yogaListener(req, res, { principal });
      return;
    }
    deps.staticFiles(req, res, pathname);
  };

  return (req, res) => {
    const started = performance.now();
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://gateway').pathname;
    } catch {
      pathname = '/';
    }
    const routeName = pathname === '/graphql' ? (accepts(req, 'text/event-stream') ? '/graphql/stream' : '/graphql') : pathname === '/health' || pathname === '/metrics' ? pathname : 'static';
    res.on('finish', () => deps.metrics.observeHttp(routeName, req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000));
    route(req, res, pathname).catch((error: unknown) => {
      deps.logger.error({ err: error, path: pathname }, 'request failed');
      if (!res.headersSent) json(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.destroy();
    });
  };
}
