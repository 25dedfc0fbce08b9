/**
 * The ClickHouse HTTP interface over an embedded chDB engine, so that
 * `@clickhouse/client`, curl and every process of the project can use the
 * embedded ClickHouse exactly as a server at http://host:port.
 *
 * Guarantees: `/ping`, `/replicas_status` and a bare `GET /` answer `Ok.\n`
 * without touching the engine, so they stay instant while queries run; every
 * other request to `/` is one statement, run on its own engine connection
 * with its own settings and database (see query-runner.ts), answered with
 * ClickHouse's headers, formats and error shape (see response.ts and
 * clickhouse-errors.ts). A GET runs read-only (`readonly=2`), as on a
 * ClickHouse server. Credentials (Basic auth, X-ClickHouse-User/Key, user and
 * password parameters) are accepted and ignored: the embedded engine has only
 * the `default` user. `close()` stops accepting connections, lets running
 * queries finish and closes the engine.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { toClickHouseError } from './clickhouse-errors.ts';
import { defaultMaxConcurrency, EnginePool } from './engine-pool.ts';
import { runQuery } from './query-runner.ts';
import { isMultipart, readFormFields, readRequestBody } from './request-body.ts';
import { negotiateEncoding, sendError, sendResult, sendText, type ResponseContext } from './response.ts';
import { analyzeStatement } from './statement.ts';
import { classifyUrlParams, type UrlOptions } from './url-params.ts';

export interface ClickHouseEndpointOptions {
  /** The chDB data directory this process owns (created if missing). */
  dataDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger?: Logger;
  /** Queries running at once; more wait. @default UV_THREADPOOL_SIZE - 1 (3) */
  maxConcurrentQueries?: number;
}

export interface ClickHouseEndpoint {
  /** Opens the engine (loading every table) and starts serving. */
  listen(): Promise<{ port: number }>;
  /** Stops serving, lets running queries finish, closes the engine. Idempotent. */
  close(): Promise<void>;
}

const NO_HANDLER = (pathname: string): string =>
  `There is no handle ${pathname}\n\nUse / or /ping for health checks.\nOr /replicas_status for more sophisticated health checks.\n\nSend queries from your program with POST method or GET /?query=...\n`;

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** `readonly=2` for a GET, unless the request asked for something at least as strict. */
function withGetReadonly(settings: UrlOptions['settings']): UrlOptions['settings'] {
  const given = settings.find(([name]) => name === 'readonly')?.[1];
  if (given !== undefined && given !== '0') return settings;
  return [...settings.filter(([name]) => name !== 'readonly'), ['readonly', '2']];
}

export function createClickHouseEndpoint(options: ClickHouseEndpointOptions): ClickHouseEndpoint {
  const logger = options.logger ?? createLogger('clickhouse-endpoint');
  const displayName = os.hostname();
  let pool: EnginePool | undefined;
  let spillDir: string | undefined;
  let version = 'unknown';
  let timezone = 'UTC';
  let closing: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();

  async function handleQuery(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const started = Date.now();
    const ctx: ResponseContext = {
      queryId: url.searchParams.get('query_id') || randomUUID(),
      format: 'TabSeparated',
      timezone,
      displayName,
      version,
      compressionLevel: 3,
    };
    try {
      let body = await readRequestBody(req);
      const entries: Array<[string, string]> = [...url.searchParams];
      const contentType = header(req, 'content-type');
      if (isMultipart(contentType)) {
        entries.push(...(await readFormFields(body, contentType!)));
        body = Buffer.alloc(0);
      }
      const urlOptions = classifyUrlParams(entries);
      ctx.encoding = urlOptions.compressResponse ? negotiateEncoding(header(req, 'accept-encoding')) : undefined;
      ctx.compressionLevel = urlOptions.compressionLevel;
      ctx.format = urlOptions.defaultFormat ?? header(req, 'x-clickhouse-format') ?? 'TabSeparated';

      const query = urlOptions.query ?? '';
      if ((req.method === 'GET' || req.method === 'HEAD') && query === '' && body.length === 0) {
        sendText(res, 200, 'Ok.\n');
        return;
      }
      const full = query === '' ? body : Buffer.concat([Buffer.from(`${query}\n`, 'utf8'), body]);
      const statement = analyzeStatement(full);
      ctx.format = statement.outputFormat ?? ctx.format;
      const outcome = await runQuery(
        pool!,
        {
          statement,
          full,
          params: urlOptions.params,
          settings: req.method === 'GET' || req.method === 'HEAD' ? withGetReadonly(urlOptions.settings) : urlOptions.settings,
          database: urlOptions.database ?? header(req, 'x-clickhouse-database') ?? undefined,
          defaultFormat: ctx.format,
        },
        spillDir!,
      );
      await sendResult(res, outcome.body, outcome.summary, ctx);
      logger.debug({ queryId: ctx.queryId, kind: statement.kind, ms: Date.now() - started, bytes: outcome.body.length }, 'query');
    } catch (error) {
      const info = toClickHouseError(error);
      const log = info.code === 1002 ? logger.error.bind(logger) : logger.debug.bind(logger);
      log({ queryId: ctx.queryId, code: info.code, type: info.type, err: info.code === 1002 ? error : undefined }, info.message);
      await sendError(res, info, ctx);
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
      sendText(res, 200, 'Ok.\n');
      return;
    }
    if (url.pathname !== '/') {
      sendText(res, 404, NO_HANDLER(url.pathname));
      return;
    }
    const task = handleQuery(req, res, url).catch((error: unknown) => {
      logger.error({ err: error }, 'failed to answer a request');
      if (!res.headersSent) sendText(res, 500, 'Internal error\n');
      else res.destroy();
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  const server = http.createServer(handle);
  // ClickHouse keeps connections 10 s; uploads may take long, so no request deadline.
  server.keepAliveTimeout = 10_000;
  server.requestTimeout = 0;

  return {
    async listen() {
      pool = new EnginePool({
        dataDir: options.dataDir,
        maxConcurrency: options.maxConcurrentQueries ?? defaultMaxConcurrency(),
        logger,
      });
      try {
        spillDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chdb-http-'));
        const info = await pool.anchor.queryAsync('SELECT version(), timezone()', { format: 'TabSeparated' });
        const [engineVersion, engineTimezone] = info.text().trim().split('\t');
        version = engineVersion || version;
        timezone = engineTimezone === 'Etc/UTC' || engineTimezone === 'Etc/Universal' ? 'UTC' : engineTimezone || timezone;
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(options.port, options.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (error) {
        await pool.close();
        if (spillDir) fs.rmSync(spillDir, { recursive: true, force: true });
        throw error;
      }
      return { port: (server.address() as AddressInfo).port };
    },

    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.allSettled([...inFlight]);
        server.closeAllConnections();
        await stopped;
        await pool?.close();
        if (spillDir) fs.rmSync(spillDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
