/**
 * The dashboard's push channel: every `CorePushes` message as a Server-Sent Event
 * (`event: <name>` + one JSON `data:` line). The page reads it with fetch + ReadableStream, since
 * EventSource cannot send the key header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PUSH_NAMES, type CorePushes, type PushName } from '../contract.js';

/** Anything that can be subscribed to like MonitorCore. */
export interface PushSource {
  on<P extends PushName>(name: P, listener: (payload: CorePushes[P]) => void): () => void;
}

export const PING_INTERVAL_MS = 15_000;
/** Least time between two deletionsAdded messages on one stream (ms). */
export const COALESCE_MS = 25;
/** A client that stops reading is dropped once this much is queued for it; it reconnects and re-reads. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** Formats one push as an SSE message. JSON has no raw newlines, so one `data:` line suffices. */
export function formatEvent(name: string, payload: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(payload ?? null)}\n\n`;
}

/**
 * Streams pushes to `res` until the client goes away (or `close` is called); returns that close function.
 * `headers` are the security headers every dashboard response carries.
 */
export function openEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  source: PushSource,
  headers: Record<string, string>,
  pingMs = PING_INTERVAL_MS,
): () => void {
  req.socket.setTimeout(0);
  req.socket.setNoDelay(true);
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write(': connected\n\n');

  let closed = false;
  const send = (chunk: string): void => {
    if (closed) return;
    if (res.writableLength > MAX_QUEUED_BYTES) return close();
    res.write(chunk);
  };
  // deletionsAdded comes once per group commit (hundreds a second under load). Each is a message the
  // page parses and renders, so they are coalesced: sent at once when the stream was quiet for
  // COALESCE_MS, otherwise gathered and sent COALESCE_MS after the previous one (at most 1000 /
  // COALESCE_MS messages a second). Any other push flushes the gathered records first (order kept).
  let gathered: unknown[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let lastAddedAt = 0;
  const flushAdded = (): void => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    if (gathered.length === 0) return;
    const records = gathered;
    gathered = [];
    lastAddedAt = Date.now();
    send(formatEvent('deletionsAdded', records));
  };
  const onAdded = (records: readonly unknown[]): void => {
    for (const r of records) gathered.push(r);
    if (flushTimer) return;
    const wait = lastAddedAt + COALESCE_MS - Date.now();
    if (wait <= 0) flushAdded();
    else flushTimer = setTimeout(flushAdded, wait);
  };
  const unsubscribes = PUSH_NAMES.map((name) =>
    source.on(name, (payload) => {
      if (name === 'deletionsAdded') return onAdded(payload as readonly unknown[]);
      flushAdded();
      send(formatEvent(name, payload));
    }),
  );
  const ping = setInterval(() => send(': ping\n\n'), pingMs);
  ping.unref();

  function close(): void {
    if (closed) return;
    closed = true;
    clearInterval(ping);
    if (flushTimer) clearTimeout(flushTimer);
    for (const off of unsubscribes) off();
    if (!res.writableEnded) res.end();
    if (res.writableLength > MAX_QUEUED_BYTES) res.destroy();
  }
  // `res` closes when the client disconnects (IncomingMessage 'close' fires as soon as a GET is read).
  res.on('close', close);
  return close;
}
