/**
 * The dashboard transport of the contract: calls as `POST /api/call/<name>`, pushes from one
 * Server-Sent Events stream read with fetch (so it can carry the key header), reconnecting with backoff.
 */
import {
  CALL_NAMES,
  DASHBOARD,
  PUSH_NAMES,
  type CallName,
  type CoreCalls,
  type CorePushes,
  type DeletionFilter,
  type MonitorApi,
  type PushName,
} from '../../../electron/core/contract';
import { MonitorCallError, errorMessage } from './call-error';
import { readSse, type SseMessage } from './sse';

/** State of the push stream: the UI says so when the dashboard lost its server. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized';

/** What the HTTP transport adds to the contract. */
export interface HttpExtras {
  connectionState(): ConnectionState;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  /** `POST /api/export`: the CSV as a streamed response (checked: throws MonitorCallError on failure). */
  fetchExport(filter: DeletionFilter, signal?: AbortSignal, language?: 'en' | 'ru'): Promise<Response>;
  /** Stops the push stream (tests, page unload). */
  close(): void;
}

export type HttpMonitorApi = MonitorApi & HttpExtras;

export interface HttpClientOptions {
  key: string;
  /** Prefix of every path; '' means this page's origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Reconnect delays of the push stream. */
  backoff?: { initialMs: number; maxMs: number };
}

/** True for the HTTP transport's API (it can stream exports and report its connection). */
export function isHttpMonitor(api: MonitorApi): api is HttpMonitorApi {
  return api.transport === 'http' && 'fetchExport' in api;
}

function isPushName(name: string): name is PushName {
  return (PUSH_NAMES as readonly string[]).includes(name);
}

async function failureOf(response: Response): Promise<MonitorCallError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  // A refused key is one condition for the UI whatever code the server names it with (BAD_KEY, ...).
  if (response.status === 401) return new MonitorCallError('UNAUTHORIZED', 'the dashboard key was refused');
  if (error && typeof error.code === 'string') return new MonitorCallError(error.code, typeof error.message === 'string' ? error.message : error.code);
  if (response.status === 403) return new MonitorCallError('UNAUTHORIZED', 'the dashboard refused this page');
  return new MonitorCallError(`HTTP_${response.status}`, `the monitor answered ${response.status}`);
}

/** Creates the HTTP implementation of the contract. */
export function createHttpMonitor(options: HttpClientOptions): HttpMonitorApi {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const base = options.baseUrl ?? '';
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 15_000 };
  const keyHeader = { [DASHBOARD.keyHeader]: options.key };
  const listeners = new Map<PushName, Set<(payload: never) => void>>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();
  const stop = new AbortController();
  let connection: ConnectionState = 'connecting';
  let streaming = false;

  async function send(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    try {
      return await doFetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...keyHeader },
        body: JSON.stringify(body),
        cache: 'no-store',
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new MonitorCallError('NETWORK', `the monitor cannot be reached: ${errorMessage(error)}`);
    }
  }

  async function call(name: CallName, args: unknown[]): Promise<unknown> {
    const response = await send(DASHBOARD.callPath + name, { args });
    if (!response.ok) throw await failureOf(response);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new MonitorCallError('BAD_RESPONSE', `the monitor sent an unreadable answer to ${name}`);
    }
    const shaped = body as { result?: unknown; error?: { code: string; message: string } };
    if (shaped.error) throw new MonitorCallError(shaped.error.code, shaped.error.message);
    return shaped.result;
  }

  function emit<P extends PushName>(name: P, payload: CorePushes[P]): void {
    for (const listener of [...(listeners.get(name) ?? [])]) (listener as (p: CorePushes[P]) => void)(payload);
  }

  function dispatch(message: SseMessage): void {
    if (!isPushName(message.event)) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message.data);
    } catch {
      return; // a damaged message must not stop the stream
    }
    emit(message.event, payload as never);
  }

  function setConnection(state: ConnectionState): void {
    if (state === connection) return;
    connection = state;
    for (const listener of [...connectionListeners]) listener(state);
  }

  /** After a reconnect, pushes may have been missed: re-read what they would have said. */
  async function resync(): Promise<void> {
    const [status, settings, quarantine] = await Promise.allSettled([calls.getStatus(), calls.getSettings(), calls.listQuarantine()]);
    if (status.status === 'fulfilled') emit('statusChanged', status.value);
    if (settings.status === 'fulfilled') emit('settingsChanged', settings.value);
    if (quarantine.status === 'fulfilled') emit('quarantineChanged', quarantine.value);
  }

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }

  async function stream(): Promise<void> {
    let attempt = 0;
    let everConnected = false;
    while (!stop.signal.aborted) {
      let openedAt = 0;
      try {
        const response = await doFetch(base + DASHBOARD.eventsPath, {
          headers: { accept: 'text/event-stream', ...keyHeader },
          cache: 'no-store',
          signal: stop.signal,
        });
        if (response.status === 401 || response.status === 403) {
          setConnection('unauthorized'); // a new key means a new link: retrying cannot help
          return;
        }
        if (!response.ok || !response.body) throw new Error(`events answered ${response.status}`);
        openedAt = Date.now();
        setConnection('connected');
        if (everConnected) void resync();
        everConnected = true;
        for await (const message of readSse(response.body, stop.signal)) {
          attempt = 0;
          dispatch(message);
        }
      } catch {
        // network failure or a dropped stream: reconnect below
      }
      if (stop.signal.aborted) return;
      if (openedAt && Date.now() - openedAt > 5000) attempt = 0;
      setConnection('reconnecting');
      const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      await wait(delay * (0.75 + Math.random() * 0.5));
    }
  }

  const calls = Object.fromEntries(CALL_NAMES.map((name) => [name, (...args: unknown[]) => call(name, args)])) as unknown as CoreCalls;

  return {
    ...calls,
    transport: 'http',
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as (payload: never) => void);
      if (!streaming && !stop.signal.aborted) {
        streaming = true;
        void stream();
      }
      return () => void set.delete(listener as (payload: never) => void);
    },
    connectionState: () => connection,
    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return () => void connectionListeners.delete(listener);
    },
    async fetchExport(filter, signal, language) {
      const response = await send(DASHBOARD.exportPath, { filter, ...(language && { language }) }, signal);
      if (!response.ok) throw await failureOf(response);
      return response;
    },
    close() {
      stop.abort();
    },
  };
}
