/**
 * REST calls to one connected portal, Octokit-style: one request function (http-call.ts) wrapped by
 * auth (a 401 `expired_token` renews the token through the single-flight keeper and tries again), by a
 * limiter (p-queue: at most `perSecond` requests in any rolling second and `concurrency` at once, under
 * the portal's leaky bucket of burst 50 draining 2/s) and by back-off (p-retry on
 * `QUERY_LIMIT_EXCEEDED`, `OPERATION_TIME_LIMIT`, timeouts and network errors). Every call has a timeout.
 */
import PQueue from 'p-queue';
import pRetry from 'p-retry';
import { httpCall, RemoteError, type HttpCall } from './http-call.js';
import type { TokenKeeper } from './oauth-client.js';

export interface RestAnswer<T = unknown> {
  result: T;
  total?: number;
  next?: number;
}

export interface BatchAnswer {
  result: Record<string, unknown>;
  errors: Record<string, { error: string; error_description: string }>;
  total: Record<string, number>;
  next: Record<string, number>;
}

export interface RestClientOptions {
  /** `https://<portal>/rest/` (endpoints.ts). */
  restBase: string;
  keeper: TokenKeeper;
  http?: HttpCall;
  /** Per request (default 15 s). */
  timeoutMs?: number;
  /** Requests a rolling second (default 2: the documented drain rate). */
  perSecond?: number;
  concurrency?: number;
  /** Retries after a limit or transport error (default 4). */
  retries?: number;
  /** First back-off (default 1 s; doubles). */
  minBackoffMs?: number;
}

/** Codes worth trying again later; anything else is final. */
const RETRYABLE = new Set(['QUERY_LIMIT_EXCEEDED', 'OPERATION_TIME_LIMIT', 'TIMEOUT', 'NETWORK', 'INTERNAL_SERVER_ERROR']);

export function isRetryable(error: unknown): boolean {
  return error instanceof RemoteError && (RETRYABLE.has(error.code) || error.status >= 500);
}

/** A batch command's value: `method?query` as the `batch` method takes it. */
export function batchCommand(method: string, params: Record<string, unknown>): string {
  const query = new URLSearchParams();
  const add = (key: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) value.forEach((v, i) => add(`${key}[${i}]`, v));
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    else query.append(key, String(value));
  };
  for (const [key, value] of Object.entries(params)) add(key, value);
  const text = query.toString();
  return text ? `${method}?${text}` : method;
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export class RestClient {
  private readonly queue: PQueue;
  private readonly http: HttpCall;
  /** Aborted by `clear()`: calls waiting for the limiter reject instead of waiting forever. */
  private readonly stopped = new AbortController();
  /** Requests sent (attempts included). */
  sent = 0;
  /** Told when a call is about to be tried again after a limit or transport error (the backfill shows it). */
  onBackoff: ((error: unknown) => void) | null = null;

  constructor(private readonly options: RestClientOptions) {
    this.http = options.http ?? httpCall;
    this.queue = new PQueue({ concurrency: options.concurrency ?? 2, intervalCap: options.perSecond ?? 2, interval: 1000, strict: true });
  }

  /** Calls waiting for the limiter. */
  get waiting(): number {
    return this.queue.size;
  }

  /** Drops calls not started yet (at stop); they reject, and no later call is made. */
  clear(): void {
    this.stopped.abort(new Error('the REST client was stopped'));
    this.queue.clear();
  }

  async call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<RestAnswer<T>> {
    const answer = await pRetry(() => this.queue.add(() => this.authed(method, params), { signal: this.stopped.signal }), {
      retries: this.options.retries ?? 4,
      minTimeout: this.options.minBackoffMs ?? 1000,
      factor: 2,
      randomize: true,
      shouldRetry: ({ error, retriesLeft }) => {
        const again = isRetryable(error) && !this.stopped.signal.aborted;
        if (again && retriesLeft > 0) this.onBackoff?.(error);
        return again;
      },
    });
    const out: RestAnswer<T> = { result: answer['result'] as T };
    if (typeof answer['total'] === 'number') out.total = answer['total'];
    if (typeof answer['next'] === 'number') out.next = answer['next'];
    return out;
  }

  /** Up to 50 commands in one request; per-command errors are returned, not thrown. */
  async batch(commands: Record<string, [string, Record<string, unknown>]>, halt = false): Promise<BatchAnswer> {
    const keys = Object.keys(commands);
    if (keys.length === 0) return { result: {}, errors: {}, total: {}, next: {} };
    if (keys.length > 50) throw new Error('a batch takes at most 50 commands');
    const cmd = Object.fromEntries(keys.map((k) => [k, batchCommand(...commands[k]!)]));
    const { result } = await this.call('batch', { halt: halt ? 1 : 0, cmd });
    const body = asRecord(result);
    return {
      result: asRecord(body['result']),
      errors: asRecord(body['result_error']) as BatchAnswer['errors'],
      total: asRecord(body['result_total']) as Record<string, number>,
      next: asRecord(body['result_next']) as Record<string, number>,
    };
  }

  private async authed(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const url = `${this.options.restBase}${method}.json`;
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    const token = this.options.keeper.accessToken;
    try {
      this.sent++;
      return await this.http(url, { json: { ...params, auth: token } }, { timeoutMs });
    } catch (error) {
      if (!(error instanceof RemoteError) || error.status !== 401 || error.code !== 'expired_token') throw error;
      const fresh = await this.options.keeper.renew(token);
      this.sent++;
      return await this.http(url, { json: { ...params, auth: fresh } }, { timeoutMs });
    }
  }
}
