/**
 * The event listener: the only thing the tunnel reaches. `POST /` takes deletion events,
 * `GET /health` reports state (no secrets); every other request gets a short JSON refusal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DUPLICATE_ANSWER, STORED_ANSWER, type BodyFormat, type EventPipeline, type PipelineAnswer } from '../pipeline/event-pipeline.js';
import { describeError, silentLogger, type Logger } from '../util/logger.js';
import { IdleConnections } from './idle-connections.js';

/** A connection without a request for this long is closed (the tunnel's sockets live far longer between events). */
export const IDLE_CONNECTION_MS = 660_000;

/** 64 KiB: a real event is under 1 KiB. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface EventListenerOptions {
  pipeline: EventPipeline;
  /** State for `GET /health`; must hold no secrets. */
  health: () => Record<string, unknown>;
  port: number;
  host?: string;
  maxBodyBytes?: number;
  log?: Logger;
}

const JSON_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

function send(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

/** The answers to almost every event, serialised once (a burst is thousands of them). */
const COMMON_ANSWERS = new Map(
  [STORED_ANSWER, DUPLICATE_ANSWER].map((answer) => {
    const text = JSON.stringify(answer.body);
    return [answer, { text, headers: { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(text) } }] as const;
  }),
);

function sendAnswer(res: http.ServerResponse, answer: PipelineAnswer): void {
  const common = COMMON_ANSWERS.get(answer);
  if (!common) return send(res, answer.status, answer.body);
  res.writeHead(answer.status, common.headers);
  res.end(common.text);
}

/** Maps a Content-Type header to a body format, or null when it is not one Bitrix24 sends. */
export function bodyFormatOf(contentType: string | undefined): BodyFormat | null {
  if (!contentType) return null;
  // What portals send, checked before the general split below.
  if (contentType === 'application/x-www-form-urlencoded') return 'form';
  const [type, ...params] = contentType.toLowerCase().split(';').map((s) => s.trim());
  for (const param of params) {
    const [name, value] = param.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (name === 'charset' && value !== 'utf-8' && value !== 'utf8') return null;
  }
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'application/json') return 'json';
  return null;
}

/**
 * Content-Type and Content-Length as `req.headers` gives them, read from the raw header list: Node
 * builds `req.headers` (every header, lower-cased) on first access, work no event needs. The first of
 * duplicates wins, as in `req.headers` (and Node's parser refuses differing Content-Lengths itself).
 */
function bodyHeaders(req: http.IncomingMessage): { contentType: string | undefined; contentLength: string | undefined } {
  const raw = req.rawHeaders;
  let contentType: string | undefined;
  let contentLength: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 12 && contentType === undefined && name.toLowerCase() === 'content-type') contentType = raw[i + 1];
    else if (name.length === 14 && contentLength === undefined && name.toLowerCase() === 'content-length') contentLength = raw[i + 1];
  }
  return { contentType, contentLength };
}

/**
 * The responses of a connection that may still be unanswered (see 'clientError'). Kept without a
 * listener per response: finished ones are dropped when the connection's next request arrives.
 */
const IN_FLIGHT = Symbol('responses in flight');
type AnsweringSocket = Duplex & { [IN_FLIGHT]?: http.ServerResponse[] };

function trackResponse(socket: AnsweringSocket, res: http.ServerResponse): void {
  const list = socket[IN_FLIGHT];
  if (list === undefined) {
    socket[IN_FLIGHT] = [res];
    return;
  }
  let kept = 0;
  for (let i = 0; i < list.length; i++) {
    const earlier = list[i]!;
    if (!earlier.writableEnded && !earlier.destroyed) list[kept++] = earlier;
  }
  list.length = kept;
  list.push(res);
}

type Body = Buffer | 'too-large' | 'aborted';

/**
 * A request body being read. The listeners are shared functions that find their state on the request
 * (no closures or promise per request: at thousands of events a second they were a visible share of
 * the garbage collector's work in `npm run bench:profile`).
 */
interface BodyState {
  chunks: Buffer[];
  size: number;
  max: number;
  done: ((body: Body) => void) | null;
}
const BODY = Symbol('body being read');
type ReadingRequest = http.IncomingMessage & { [BODY]?: BodyState };

function finishBody(req: ReadingRequest, body: Body): void {
  const state = req[BODY]!;
  const done = state.done;
  if (done === null) return;
  state.done = null; // the listeners stay (the request is finished with): later calls find nothing to do
  done(body);
}

function onBodyData(this: ReadingRequest, chunk: Buffer): void {
  const state = this[BODY]!;
  state.size += chunk.length;
  if (state.size > state.max) {
    this.pause(); // stop buffering; the 413 closes the connection
    return finishBody(this, 'too-large');
  }
  state.chunks.push(chunk);
}

function onBodyEnd(this: ReadingRequest): void {
  const { chunks, size } = this[BODY]!;
  finishBody(this, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
}

function onBodyAborted(this: ReadingRequest): void {
  finishBody(this, 'aborted');
}

/** Reads a whole body (at most `max` bytes) and calls `done` once with it, 'too-large' or 'aborted'. */
function readBody(req: ReadingRequest, max: number, done: (body: Body) => void): void {
  req[BODY] = { chunks: [], size: 0, max, done };
  req.on('data', onBodyData);
  req.on('end', onBodyEnd);
  req.on('error', onBodyAborted);
  req.on('close', onBodyAborted);
}

export class EventListener {
  private readonly server: http.Server;
  private readonly maxBody: number;
  private readonly log: Logger;
  private readonly idle: IdleConnections;

  constructor(private readonly options: EventListenerOptions) {
    this.maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
    this.log = options.log ?? silentLogger;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      trackResponse(req.socket as AnsweringSocket, res);
      this.idle.seen(req.socket);
      try {
        this.route(req, res);
      } catch (error) {
        this.failed(res, error);
      }
    };
    this.server = http.createServer({ maxHeaderSize: 16 * 1024 }, onRequest);
    // Node answers an Expect other than 100-continue with 417 on its own: route it like any request.
    this.server.on('checkExpectation', onRequest);
    // A slow or broken client holds nothing for long.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 15_000;
    // The tunnel client holds a few long-lived connections and hangs up its public side when we close
    // one: a request the tunnel server writes into it meanwhile is lost. Keep idle connections open:
    // Node's idle timers are off (0: no timer re-armed per request), and IdleConnections closes a
    // connection only after 11 minutes without a request.
    this.server.keepAliveTimeout = 0;
    this.server.timeout = 0;
    this.idle = new IdleConnections(this.server, IDLE_CONNECTION_MS);
    this.server.maxConnections = 4096;
    this.server.on('clientError', (_error, socket: AnsweringSocket) => {
      const refuse = (): void => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        else socket.destroy();
      };
      // A bad request pipelined behind a good one must not cost the good one its answer (its deletion is
      // being stored): answers to complete requests still in progress go out first, then the refusal.
      // (A request whose own body broke off is not waited for: it will never complete.)
      const waiting = (socket[IN_FLIGHT] ?? []).filter((res) => res.req.complete && !res.writableEnded && !res.destroyed);
      let left = waiting.length;
      if (left === 0) return refuse();
      for (const res of waiting) res.once('close', () => --left === 0 && refuse());
    });
  }

  /** Starts listening; resolves with the bound port. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  get port(): number | null {
    const address = this.server.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  /** Stops accepting, lets requests in flight finish (their writes are awaited by the store), closes idle sockets. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.idle.stop();
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      setTimeout(() => this.server.closeAllConnections(), 2_000).unref();
    });
  }

  /** Answers 503 to a request whose handling threw (a bug: the pipeline itself never throws). */
  private failed(res: http.ServerResponse, error: unknown): void {
    this.log.error(`listener: ${describeError(error)}`);
    if (!res.headersSent) send(res, 503, { error: 'internal error' });
    else res.destroy();
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const rawUrl = req.url ?? '/';
    const query = rawUrl.indexOf('?');
    const pathname = query === -1 ? rawUrl : rawUrl.slice(0, query);
    if (pathname === '/health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed: use GET' }, { Allow: 'GET, HEAD' });
      return send(res, 200, this.options.health());
    }
    if (pathname !== '/') return send(res, 404, { error: 'not found: post events to /' });
    if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed: use POST' }, { Allow: 'POST' });

    const { contentType, contentLength } = bodyHeaders(req);
    const format = bodyFormatOf(contentType);
    if (!format) {
      req.resume();
      return send(res, 415, { error: 'content type must be application/x-www-form-urlencoded or application/json (UTF-8)' });
    }
    const declared = Number(contentLength ?? 0);
    if (declared > this.maxBody) return this.refuseTooLarge(res);

    readBody(req, this.maxBody, (body) => {
      if (body === 'too-large') return this.refuseTooLarge(res);
      if (body === 'aborted') return;
      this.options.pipeline.handle(body, format, req.socket).then(
        (answer) => {
          try {
            sendAnswer(res, answer);
          } catch (error) {
            this.failed(res, error);
          }
        },
        (error: unknown) => this.failed(res, error),
      );
    });
  }

  private refuseTooLarge(res: http.ServerResponse): void {
    send(res, 413, { error: `body larger than ${this.maxBody} bytes` }, { Connection: 'close' });
  }
}
