import { afterEach, describe, expect, it, vi } from 'vitest';
import { DASHBOARD, type AppStatus, type DeletionRecord } from '../../../electron/core/contract';
import { MonitorCallError } from '../../../renderer/src/api/call-error';
import { createHttpMonitor, type ConnectionState, type HttpMonitorApi } from '../../../renderer/src/api/http-client';
import { defaultSettings, defaultStatus, makeRecord } from '../helpers/fake-monitor';

const encoder = new TextEncoder();

/** A push stream the test writes to. */
function pushStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    send: (event: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    raw: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

let api: HttpMonitorApi | null = null;
afterEach(() => {
  api?.close();
  api = null;
});

describe('createHttpMonitor calls', () => {
  it('posts {args} with the key header and returns {result}', async () => {
    const fetch = vi.fn(async () => json({ result: { total: 3, rows: [] } }));
    api = createHttpMonitor({ key: 'k3y', fetch });
    const query = { filter: { event: 'ONCRMDEALDELETE' }, offset: 200, limit: 200 };
    await expect(api.queryDeletions(query)).resolves.toEqual({ total: 3, rows: [] });
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(`${DASHBOARD.callPath}queryDeletions`);
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>)[DASHBOARD.keyHeader]).toBe('k3y');
    expect(JSON.parse(init.body as string)).toEqual({ args: [query] });
    expect(api.transport).toBe('http');
  });

  it('throws an Error carrying the core error code', async () => {
    api = createHttpMonitor({ key: 'k', fetch: async () => json({ error: { code: 'PORT_UNAVAILABLE', message: 'port 80 cannot be used' } }, 400) });
    const failure = await api.updateSettings({ eventPort: 80 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MonitorCallError);
    expect(failure).toMatchObject({ code: 'PORT_UNAVAILABLE', message: 'port 80 cannot be used' });
  });

  it('reports a refused key and an unreachable server with codes', async () => {
    api = createHttpMonitor({ key: 'wrong', fetch: async () => new Response('no', { status: 401 }) });
    await expect(api.getStatus()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    api.close();
    api = createHttpMonitor({
      key: 'k',
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(api.getStatus()).rejects.toMatchObject({ code: 'NETWORK' });
  });

  it('streams an export with the filter and the key', async () => {
    const fetch = vi.fn(async () => new Response('a,b\r\n1,2\r\n', { status: 200 }));
    api = createHttpMonitor({ key: 'k', fetch });
    const response = await api.fetchExport({ portal: 'alpha.bitrix24.com' });
    expect(await response.text()).toBe('a,b\r\n1,2\r\n');
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(DASHBOARD.exportPath);
    expect(JSON.parse(init.body as string)).toEqual({ filter: { portal: 'alpha.bitrix24.com' } });
    expect((init.headers as Record<string, string>)[DASHBOARD.keyHeader]).toBe('k');
    await api.fetchExport({}, undefined, 'ru');
    expect(JSON.parse((fetch.mock.calls[1] as unknown as [string, RequestInit])[1].body as string)).toEqual({ filter: {}, language: 'ru' });
  });
});

describe('createHttpMonitor pushes', () => {
  it('delivers SSE messages to listeners of that push, and stops after unsubscribe', async () => {
    const stream = pushStream();
    const fetch = vi.fn(async (url: RequestInfo | URL) => (String(url) === DASHBOARD.eventsPath ? stream.response : json({ result: null })));
    api = createHttpMonitor({ key: 'k', fetch });
    const added: DeletionRecord[][] = [];
    const statuses: AppStatus[] = [];
    const off = api.on('deletionsAdded', (records) => added.push(records));
    api.on('statusChanged', (status) => statuses.push(status));
    await vi.waitFor(() => expect(api!.connectionState()).toBe('connected'));
    const [, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect((init.headers as Record<string, string>)[DASHBOARD.keyHeader]).toBe('k');

    stream.send('deletionsAdded', [makeRecord(1)]);
    stream.send('statusChanged', defaultStatus());
    stream.send('notAPush', { x: 1 });
    stream.raw('event: deletionsAdded\ndata: {broken\n\n');
    await vi.waitFor(() => expect(statuses).toHaveLength(1));
    expect(added).toEqual([[makeRecord(1)]]);

    off();
    stream.send('deletionsAdded', [makeRecord(2)]);
    stream.send('statusChanged', defaultStatus());
    await vi.waitFor(() => expect(statuses).toHaveLength(2));
    expect(added).toHaveLength(1);
    expect(fetch.mock.calls.filter(([url]) => String(url) === DASHBOARD.eventsPath)).toHaveLength(1);
  });

  it('reconnects with backoff after the stream drops, then re-reads state it may have missed', async () => {
    const first = pushStream();
    const second = pushStream();
    const streams = [first, second];
    const status = { ...defaultStatus(), counts: { ...defaultStatus().counts, total: 99 } };
    const fetch = vi.fn(async (input: RequestInfo | URL) => {
      const url = String(input);
      if (url === DASHBOARD.eventsPath) return streams.shift()!.response;
      if (url.endsWith('getStatus')) return json({ result: status });
      if (url.endsWith('getSettings')) return json({ result: defaultSettings() });
      return json({ result: [] });
    });
    api = createHttpMonitor({ key: 'k', fetch, backoff: { initialMs: 10, maxMs: 20 } });
    const states: ConnectionState[] = [];
    api.onConnectionChange((s) => states.push(s));
    const statuses: AppStatus[] = [];
    api.on('statusChanged', (s) => statuses.push(s));
    await vi.waitFor(() => expect(api!.connectionState()).toBe('connected'));

    first.end();
    await vi.waitFor(() => expect(statuses.at(-1)?.counts.total).toBe(99));
    expect(states).toEqual(['connected', 'reconnecting', 'connected']);
    second.send('statusChanged', defaultStatus());
    await vi.waitFor(() => expect(statuses.at(-1)?.counts.total).toBe(0));
  });

  it('stops retrying when the key is refused', async () => {
    const fetch = vi.fn(async () => new Response('', { status: 401 }));
    api = createHttpMonitor({ key: 'old', fetch, backoff: { initialMs: 1, maxMs: 1 } });
    api.on('statusChanged', () => undefined);
    await vi.waitFor(() => expect(api!.connectionState()).toBe('unauthorized'));
    await new Promise((r) => setTimeout(r, 20));
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
