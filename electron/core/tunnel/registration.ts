import { httpGet, type HttpGetResult } from './http-get.js';
import { TunnelError, errorMessage } from './tunnel-error.js';

/** A localtunnel server's answer to a registration, checked. `body` is the raw answer for the client. */
export interface Registration {
  id: string;
  url: string;
  port: number;
  maxConnCount: number;
  body: Record<string, unknown>;
}

// The public server hands out 10; more would only open more idle sockets, so a larger (or hostile)
// number is clamped before the client sees it.
const MAX_SOCKETS = 10;

/**
 * Asks the localtunnel server at `host` for a tunnel: `GET /{subdomain}`, or `GET /?new` when no
 * subdomain is wanted. Aborting `signal` really ends the request (unlike the client's own loop).
 */
export async function register(host: URL, subdomain: string, signal: AbortSignal): Promise<Registration> {
  const base = host.href.replace(/\/+$/, '');
  let answer: HttpGetResult;
  try {
    answer = await httpGet(new URL(`${base}/${subdomain || '?new'}`), { accept: 'application/json' }, signal);
  } catch (err) {
    // The reason is shown to the user: say where it failed.
    const kind = err instanceof TunnelError ? err.kind : 'retry';
    throw new TunnelError(`${kind === 'unreachable' ? 'cannot reach' : 'no registration from'} ${base}: ${errorMessage(err)}`, kind);
  }
  const { status, body } = answer;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    json = null;
  }
  const fields = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (status !== 200) {
    const message = typeof fields.message === 'string' ? `: ${fields.message}` : '';
    throw new TunnelError(`${base} answered ${status}${message}`, 'retry');
  }
  const { id, url, port, max_conn_count: maxConn } = fields;
  if (typeof id !== 'string' || !id || typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new TunnelError(`${base} answered without an id and URL`, 'retry');
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TunnelError(`${base} answered without a valid port`, 'retry');
  }
  const maxConnCount = typeof maxConn === 'number' && maxConn >= 1 ? Math.min(Math.floor(maxConn), MAX_SOCKETS) : 1;
  return { id, url, port, maxConnCount, body: { ...fields, max_conn_count: maxConnCount } };
}
