/**
 * The `serve` dashboard: the UI contract over HTTP + Server-Sent Events on its own loopback port (never
 * the event port, never tunnelled), plus the built renderer as static files. Every request must name
 * our exact Host and carry no foreign Origin; every API request must carry the per-run key, which
 * reaches the page in the URL fragment (browsers never send fragments).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CALL_NAMES, DASHBOARD, type CallName } from '../contract.js';
import { CallError, csvLanguageSchema, filterSchema, isCallName, parseCallArgs, toErrorShape } from '../contract-schemas.js';
import type { MonitorCore } from '../monitor-core.js';
import { describeError, silentLogger, type Logger } from '../util/logger.js';
import { streamCsv } from './csv-download.js';
import { openEventStream } from './event-stream.js';
import { keyMatches, newDashboardKey, refuseForeign, securityHeaders } from './request-guard.js';
import { defaultStaticDir, serveStatic } from './static-files.js';

export interface Dashboard {
  /** `http://127.0.0.1:PORT/#key=KEY`: what `serve` prints and the user opens. */
  url: string;
  port: number;
  key: string;
  stop(): Promise<void>;
}

export interface DashboardOptions {
  core: MonitorCore;
  /** 0 = any free port. */
  port: number;
  /** The per-run secret; a fresh random one when omitted. */
  key?: string;
  /** The built renderer (default: dist/renderer). */
  staticDir?: string;
  log?: Logger;
}

/** A call argument body is tiny; an export filter too. */
export const MAX_API_BODY_BYTES = 64 * 1024;
/** At most this many open event streams (each one is a tab). */
const MAX_STREAMS = 32;

/** Calls the dashboard refuses: exportCsv would let a web page choose a file for the server to write. */
const HTTP_FORBIDDEN_CALLS: ReadonlySet<CallName> = new Set(['exportCsv']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** HTTP status for a failed call: argument and lookup errors are the caller's, the rest the server's. */
function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  if (!(error instanceof CallError)) return 500;
  if (error.code === 'BAD_ARGUMENTS') return 400;
  if (error.code === 'NOT_FOUND') return 404;
  if (error.code === 'STORE_UNAVAILABLE') return 503;
  return 409;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...securityHeaders(true), 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, extra);
}

/** Reads a JSON request body (application/json only, at most MAX_API_BODY_BYTES). */
async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const [type, ...params] = (req.headers['content-type'] ?? '').toLowerCase().split(';').map((s) => s.trim());
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  if (type !== 'application/json' || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_API_BODY_BYTES) throw new HttpError(413, 'TOO_LARGE', `bodies are limited to ${MAX_API_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_API_BODY_BYTES) throw new HttpError(413, 'TOO_LARGE', `bodies are limited to ${MAX_API_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'the body is not valid JSON');
  }
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CallError('BAD_ARGUMENTS', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Starts the dashboard on 127.0.0.1; resolves once it is listening. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { core } = options;
  const key = options.key ?? newDashboardKey();
  const staticDir = options.staticDir ?? defaultStaticDir();
  const log = options.log ?? silentLogger;
  const streams = new Set<() => void>();
  let port = 0;

  async function callRoute(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
    if (!isCallName(name)) throw new HttpError(404, 'UNKNOWN_CALL', `no call named "${name.slice(0, 64)}"`);
    if (HTTP_FORBIDDEN_CALLS.has(name)) {
      throw new HttpError(403, 'FORBIDDEN', `${name} writes a file on the server; download the CSV with POST ${DASHBOARD.exportPath}`);
    }
    const body = objectBody(await readJson(req));
    const args = parseCallArgs(name, body['args'] ?? []);
    const method = core[name] as (...a: unknown[]) => Promise<unknown>;
    const result = await method.apply(core, args);
    sendJson(res, 200, { result: result ?? null });
  }

  async function exportRoute(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = objectBody(await readJson(req));
    const parsed = filterSchema.safeParse(body['filter'] ?? {});
    if (!parsed.success) throw new CallError('BAD_ARGUMENTS', `filter: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const language = csvLanguageSchema.safeParse(body['language'] ?? 'en');
    if (!language.success) throw new CallError('BAD_ARGUMENTS', 'language: must be "en" or "ru"');
    const { rows, complete } = await streamCsv(res, core.csvSource, parsed.data, securityHeaders(true), language.data);
    log.info(`dashboard: CSV download of ${rows} deletion(s)${complete ? '' : ' stopped by the client'}`);
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const refusal = refuseForeign(req, port);
    if (refusal) {
      log.warn(`dashboard: refused ${req.method} (${refusal.code}) Host=${JSON.stringify(req.headers.host ?? '')}`);
      return sendError(res, refusal.status, refusal.code, refusal.message);
    }
    const rawUrl = req.url ?? '/';
    const pathname = rawUrl.split('?')[0]!;
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      if (!keyMatches(req.headers[DASHBOARD.keyHeader], key)) {
        return sendError(res, 401, 'BAD_KEY', `missing or wrong ${DASHBOARD.keyHeader}; open the dashboard with the URL serve printed`);
      }
      if (pathname.startsWith(DASHBOARD.callPath)) {
        if (req.method !== 'POST') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'use POST', { Allow: 'POST' });
        return callRoute(req, res, pathname.slice(DASHBOARD.callPath.length));
      }
      if (pathname === DASHBOARD.exportPath) {
        if (req.method !== 'POST') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'use POST', { Allow: 'POST' });
        return exportRoute(req, res);
      }
      if (pathname === DASHBOARD.eventsPath) {
        if (req.method !== 'GET') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'use GET', { Allow: 'GET' });
        if (streams.size >= MAX_STREAMS) return sendError(res, 503, 'TOO_MANY_STREAMS', 'too many open dashboards');
        const close = openEventStream(req, res, core, securityHeaders(true));
        streams.add(close);
        res.on('close', () => streams.delete(close));
        return;
      }
      return sendError(res, 404, 'NOT_FOUND', 'no such API');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'use GET', { Allow: 'GET, HEAD' });
    return serveStatic(req, res, staticDir, pathname, securityHeaders(false));
  }

  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    route(req, res).catch((error: unknown) => {
      const status = statusOf(error);
      if (status >= 500) log.error(`dashboard: ${req.method} ${req.url?.split('?')[0]}: ${describeError(error)}`);
      if (res.headersSent) return void res.destroy();
      const shape = error instanceof HttpError ? { code: error.code, message: error.message } : toErrorShape(error);
      // An unread body would otherwise be parsed as the next request on this connection.
      sendError(res, status, shape.code, shape.message, req.complete ? {} : { Connection: 'close' });
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  log.info(`dashboard on http://127.0.0.1:${port}/ (${CALL_NAMES.length - HTTP_FORBIDDEN_CALLS.size} calls)`);

  let stopped: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/#key=${key}`,
    port,
    key,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const close of streams) close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
