/**
 * The dashboard: files of the built Svelte app (`web/dist`) at `/`, with
 * `index.html` for any path without a file extension (client-side routes);
 * while the app is not built, a small page pointing at GraphiQL, /health
 * and /metrics. Paths never leave the folder. Vite's hashed `assets/` are
 * cached for a year; everything else is revalidated.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clickstream Guardian</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:0 .3em}</style></head>
<body><h1>Clickstream Guardian</h1>
<p>The dashboard is not built yet (<code>web/dist</code> is missing). Build it with <code>npm run build:web</code>, or use:</p>
<ul><li><a href="/graphql">GraphiQL</a> — the API and its documentation</li><li><a href="/health">/health</a> — dependency health</li><li><a href="/metrics">/metrics</a> — Prometheus metrics</li></ul>
</body></html>
`;

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => void;

export function createStaticHandler(root: string): StaticHandler {
  const base = path.resolve(root);
  const send = (res: ServerResponse, status: number, type: string, body: Buffer | string, cache: string) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': cache, 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  return (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!fs.existsSync(path.join(base, 'index.html'))) {
      if (pathname === '/' || pathname === '/index.html') send(res, 200, TYPES['.html']!, PLACEHOLDER_PAGE, 'no-cache');
      else send(res, 404, 'text/plain; charset=utf-8', 'not found\n', 'no-cache');
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname);
    } catch {
      send(res, 400, 'text/plain; charset=utf-8', 'bad path\n', 'no-cache');
      return;
    }
    let file = path.resolve(base, `.${relative}`);
    if (file !== base && !file.startsWith(base + path.sep)) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n', 'no-cache');
      return;
    }
    if (file === base || (fs.existsSync(file) && fs.statSync(file).isDirectory())) file = path.join(file, 'index.html');
    if (!fs.existsSync(file)) {
      if (path.extname(relative) !== '') {
        send(res, 404, 'text/plain; charset=utf-8', 'not found\n', 'no-cache');
        return;
      }
      file = path.join(base, 'index.html');
    }
    const hashed = path.relative(base, file).startsWith(`assets${path.sep}`);
    send(res, 200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file), hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
  };
}
