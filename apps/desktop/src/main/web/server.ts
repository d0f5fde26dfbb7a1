// Web mode: the same renderer and API as the Electron app, served on 127.0.0.1 for people who prefer a
// browser (and for the end-to-end tests, since no Electron binary runs here). Defences, in request order:
// the Host header must name our loopback address and port (DNS rebinding), a present Origin must be ours and
// Sec-Fetch-Site same-origin (cross-site requests are refused; no CORS headers are ever sent), every /api
// call needs the random token in the `x-vlp-token` header (compared in constant time), bodies are JSON of
// bounded size, and the page gets a strict CSP. The token reaches the page in the URL fragment, which the
// browser never sends to any server.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { ApiError, type AppEvent } from '../../shared/contract.js';
import { dispatch, type Handlers } from '../dispatch.js';
import { isInside } from '../services/folders.js';

/** The page's Content-Security-Policy: own scripts and styles only, images inline, fetches to us only. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const TOKEN_HEADER = 'x-vlp-token';
const MAX_BODY = 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Options for {@link startWebServer}. */
export interface WebServerOptions {
  handlers: Handlers;
  /** Subscribed to by every SSE client. */
  subscribe: (listener: (event: AppEvent) => void) => () => void;
  /** The built renderer (index.html + assets). */
  rendererDir: string;
  /** Default: 32 random bytes, hex. */
  token?: string;
  /** Default 0: a random free port. */
  port?: number;
}

/** A running web-mode server. `url` carries the token in its fragment: open it, do not log it elsewhere. */
export interface WebServer {
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8') {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type });
  res.end(body);
}

const sendError = (res: ServerResponse, status: number, message: string) =>
  send(res, status, JSON.stringify({ ok: false, error: message }));

function tokenMatches(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(400, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts web mode on 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await startWebServer({ handlers, subscribe: (l) => services.events.subscribe(l), rendererDir });
 * console.log(`open ${server.url}`); // http://127.0.0.1:PORT/#token=...
 * ```
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(32).toString('hex');
  const rendererDir = await realpath(options.rendererDir);
  const streams = new Set<ServerResponse>();
  let port = 0;
  let hosts = new Set<string>();
  let origins = new Set<string>();

  async function serveStatic(res: ServerResponse, pathname: string) {
    const name = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const type = TYPES[extname(name)];
    if (type === undefined) return sendError(res, 404, 'not found');
    try {
      const file = await realpath(join(rendererDir, name));
      if (!isInside(rendererDir, file)) return sendError(res, 404, 'not found');
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type });
      res.end(await readFile(file));
    } catch {
      sendError(res, 404, 'not found');
    }
  }

  function openStream(req: IncomingMessage, res: ServerResponse) {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = options.subscribe((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    req.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(res);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (!hosts.has(req.headers.host ?? '')) return sendError(res, 403, 'unexpected Host header');
    const origin = req.headers.origin;
    if (origin !== undefined && !origins.has(origin))
      return sendError(res, 403, 'cross-origin request refused');
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      return sendError(res, 403, 'cross-site request refused');
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'method not allowed');
      return serveStatic(res, pathname);
    }
    const given = req.headers[TOKEN_HEADER];
    if (given === undefined) return sendError(res, 401, 'token required');
    if (!tokenMatches(given, token)) return sendError(res, 403, 'wrong token');
    if (pathname === '/api/events' && req.method === 'GET') return openStream(req, res);
    if (req.method !== 'POST') return sendError(res, 405, 'method not allowed');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
      return sendError(res, 415, 'content-type must be application/json');
    try {
      const body = await readBody(req);
      let args: unknown;
      try {
        args = body === '' ? {} : JSON.parse(body);
      } catch {
        throw new ApiError(400, 'body is not JSON');
      }
      const result = await dispatch(options.handlers, pathname.slice('/api/'.length), args);
      send(res, 200, JSON.stringify({ ok: true, result }));
    } catch (error) {
      if (error instanceof ApiError) return sendError(res, error.status, error.message);
      console.error('vlp-desktop: call failed', error);
      sendError(res, 500, (error as Error).message);
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendError(res, 500, String(error)));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const serverOrigin = `http://127.0.0.1:${port}`;
  return {
    url: `${serverOrigin}/#token=${token}`,
    origin: serverOrigin,
    port,
    token,
    close: async () => {
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
