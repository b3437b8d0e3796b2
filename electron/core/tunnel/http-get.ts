import http from 'node:http';
import https from 'node:https';
import { TunnelError, errorMessage } from './tunnel-error.js';

/** Status and body of a completed GET. */
export interface HttpGetResult {
  status: number;
  body: Buffer;
}

/**
 * A plain GET with an abort signal, on a fresh connection (`agent: false`: nothing pooled outlives it).
 * It rejects with a TunnelError whose kind tells whether a TCP connection was ever made: a server that
 * refuses or cannot be found is `unreachable`, one that accepted and then failed or hung is `retry`.
 */
export function httpGet(url: URL, headers: Record<string, string>, signal: AbortSignal, maxBytes = 64 * 1024): Promise<HttpGetResult> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const fail = (message: string): void => {
      signal.removeEventListener('abort', onAbort);
      reject(new TunnelError(message, connected ? 'retry' : 'unreachable'));
    };
    const onAbort = (): void => {
      req.destroy(new Error(errorMessage(signal.reason)));
    };
    const get = url.protocol === 'https:' ? https.get : http.get;
    const req = get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) req.destroy(new Error(`response larger than ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', (err) => fail(err.message));
      res.on('end', () => {
        signal.removeEventListener('abort', onAbort);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
    });
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.on('error', (err) => fail(err.message));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
