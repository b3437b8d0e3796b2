/**
 * Keeps one localtunnel tunnel up for the event listener, says when it is down, and brings it back.
 *
 * One attempt or one open tunnel exists at a time, and a new attempt starts only after the previous
 * tunnel's sockets are closed. Every asynchronous continuation carries the epoch it started in; stop,
 * update and a death bump the epoch, so anything late from an older attempt is dropped.
 */
import type { TunnelState } from '../contract.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { checkHealth, httpProbeGet, type ProbeGet } from './liveness-probe.js';
import { openTunnel, type OpenTunnel } from './localtunnel-client.js';
import { isValidSubdomain } from './subdomain.js';
import { TunnelError, errorMessage, type TunnelErrorKind } from './tunnel-error.js';

/** Where the tunnel goes. */
export interface TunnelTarget {
  /** localtunnel server, e.g. `https://localtunnel.me` or a self-hosted one. */
  host: string;
  /** Asked for on every connect so the URL stays stable; '' takes whatever the server hands out. */
  subdomain: string;
  /** Port of the event listener on this machine. */
  localPort: number;
}

/** Receives one line per state change and per notable event. */
export type TunnelLog = (level: 'info' | 'warn' | 'error', msg: string) => void;

/** Target plus tuning; every duration has a production default, tests shorten them. */
export interface TunnelSupervisorOptions extends TunnelTarget {
  /** How long one attempt (registration and the first tunnel socket) may take. Default 10 s. */
  registerTimeoutMs?: number;
  /** Pause between liveness probes of an open tunnel; 0 turns probing off. Default 30 s. */
  probeIntervalMs?: number;
  /** How long one probe may take. Default 10 s. */
  probeTimeoutMs?: number;
  /** Retry pacing after failures that reached the server. Default 1 s doubling to 60 s, with jitter. */
  backoff?: BackoffOptions;
  /**
   * Longest pause between retries while the server cannot be connected to at all. Such attempts cost
   * the server nothing, and this bound is what brings the tunnel back soon after the server returns
   * even after a long outage. Default 5 s.
   */
  unreachableRetryMs?: number;
  /**
   * Least pause before reconnecting after an open tunnel died. The server keeps a vanished client's
   * subdomain for about a second; asking sooner would get a random one instead. Default 1.5 s.
   */
  releaseWaitMs?: number;
  /** How long an open tunnel may have no socket at all before it counts as dead. Default 3 s. */
  socketGraceMs?: number;
  /** Performs the probe's GET; defaults to a plain GET of the public URL. */
  probeGet?: ProbeGet;
  log?: TunnelLog;
  /** Called on every state change (the core puts it on the change feed). */
  onState: (state: TunnelState) => void;
}

type Tuning = Required<Omit<TunnelSupervisorOptions, keyof TunnelTarget | 'onState'>>;

const DEFAULTS: Tuning = {
  registerTimeoutMs: 10_000,
  probeIntervalMs: 30_000,
  probeTimeoutMs: 10_000,
  backoff: { baseMs: 1_000, capMs: 60_000 },
  unreachableRetryMs: 5_000,
  releaseWaitMs: 1_500,
  socketGraceMs: 3_000,
  probeGet: httpProbeGet,
  log: () => {},
};

// One failed probe is not enough: public tunnel servers have slow moments, and recreating a working
// tunnel risks losing its subdomain. A failed probe is re-checked sooner than the normal interval.
const PROBE_FAILURES_TO_DEAD = 2;
const PROBE_RECHECK_MS = 5_000;

/** Supervises the localtunnel tunnel of the event listener; see the module comment. */
export class TunnelSupervisor {
  #target: TunnelTarget;
  readonly #tuning: Tuning;
  readonly #onState: (state: TunnelState) => void;
  #state: TunnelState = { status: 'off' };
  #running = false;
  #epoch = 0;
  /** The attempt in progress, if any. */
  #attempt: { controller: AbortController; done: Promise<void> } | null = null;
  /** The open tunnel, if any. */
  #tunnel: OpenTunnel | null = null;
  /** Tunnels and attempts still shutting down; the next attempt waits for all of them. */
  readonly #closing = new Set<Promise<void>>();
  /** Consecutive failures since the tunnel was last online. */
  #failures = 0;
  /** The URL of the last tunnel that was online, kept across reconnects for `urlChanged`. */
  #previousUrl: string | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #probeTimer: NodeJS.Timeout | null = null;
  #probeCancel: AbortController | null = null;
  #probeFailures = 0;
  /** Why the last inconclusive probe was inconclusive, so each cause is logged once. */
  #probeWarned: 'public' | 'local' | null = null;

  constructor(options: TunnelSupervisorOptions) {
    const { host, subdomain, localPort, onState, ...tuning } = options;
    this.#target = { host, subdomain, localPort };
    this.#onState = onState;
    this.#tuning = { ...DEFAULTS, ...definedOnly(tuning) };
  }

  /** The current state. */
  get state(): TunnelState {
    return this.#state;
  }

  /** Starts connecting (and keeps reconnecting) until `stop()`. Does nothing when already started. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#failures = 0;
    this.#begin(++this.#epoch);
  }

  /** Closes the tunnel and cancels every timer and request; the state ends as 'off'. */
  async stop(): Promise<void> {
    this.#running = false;
    const epoch = ++this.#epoch;
    await this.#teardown();
    // A start() while we waited owns the state now.
    if (epoch === this.#epoch) this.#setState({ status: 'off' });
  }

  /** Changes server, subdomain or local port; a running supervisor reconnects at once. */
  update(patch: Partial<TunnelTarget>): void {
    const next = { ...this.#target, ...definedOnly(patch) };
    const t = this.#target;
    if (next.host === t.host && next.subdomain === t.subdomain && next.localPort === t.localPort) return;
    this.#target = next;
    if (!this.#running) return;
    this.#failures = 0;
    const epoch = ++this.#epoch;
    void this.#teardown().then(() => {
      if (epoch === this.#epoch) this.#begin(epoch);
    });
  }

  #begin(epoch: number): void {
    const controller = new AbortController();
    const done = this.#connect(epoch, controller).catch((err: unknown) => {
      this.#tuning.log('error', `unexpected error: ${errorMessage(err)}`);
    });
    this.#attempt = { controller, done };
    void done.then(() => {
      if (this.#attempt?.done === done) this.#attempt = null;
    });
  }

  async #connect(epoch: number, controller: AbortController): Promise<void> {
    // Never two tunnels: whatever is still closing is fully closed before a new one is asked for.
    await Promise.all(this.#closing);
    if (epoch !== this.#epoch) return;
    const target = this.#target;
    const host = checkTarget(target);
    if (typeof host === 'string') {
      this.#setState({ status: 'failed', reason: host });
      return;
    }
    this.#setState({ status: 'connecting', host: target.host });
    const { registerTimeoutMs, socketGraceMs } = this.#tuning;
    const timer = setTimeout(() => controller.abort(new Error(`no tunnel within ${registerTimeoutMs} ms`)), registerTimeoutMs);
    let tunnel: OpenTunnel;
    try {
      tunnel = await openTunnel({
        host,
        subdomain: target.subdomain,
        localPort: target.localPort,
        signal: controller.signal,
        socketGraceMs,
        onDeath: (reason) => this.#onDeath(epoch, reason),
      });
    } catch (err) {
      // openTunnel has torn its attempt down before rejecting.
      if (epoch !== this.#epoch) return;
      const kind: TunnelErrorKind = err instanceof TunnelError ? err.kind : 'retry';
      if (kind === 'fatal') this.#setState({ status: 'failed', reason: errorMessage(err) });
      else this.#scheduleRetry(epoch, errorMessage(err), kind, false);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (epoch !== this.#epoch) {
      // Superseded without an abort reaching openTunnel in time: never keep it.
      await tunnel.close();
      return;
    }
    this.#online(epoch, tunnel, target.subdomain);
  }

  #online(epoch: number, tunnel: OpenTunnel, requested: string): void {
    this.#tunnel = tunnel;
    this.#failures = 0;
    this.#probeFailures = 0;
    this.#probeWarned = null;
    const previousUrl = this.#previousUrl;
    // Without an earlier URL in this run, the requested subdomain is what the user may have pasted.
    const urlChanged = previousUrl !== null ? tunnel.url !== previousUrl : requested !== '' && tunnel.id !== requested;
    this.#previousUrl = tunnel.url;
    this.#setState({ status: 'online', url: tunnel.url, urlChanged, previousUrl, since: Date.now() });
    this.#scheduleProbe(epoch, this.#tuning.probeIntervalMs);
  }

  #onDeath(epoch: number, reason: string): void {
    const tunnel = this.#tunnel;
    if (epoch !== this.#epoch || !tunnel) return;
    this.#tunnel = null;
    this.#cancelProbe();
    const next = ++this.#epoch;
    this.#tuning.log('warn', `lost ${tunnel.url}: ${reason}`);
    void this.#release(tunnel).then(() => {
      if (next === this.#epoch) this.#scheduleRetry(next, `tunnel lost: ${reason}`, 'retry', true);
    });
  }

  #scheduleRetry(epoch: number, reason: string, kind: TunnelErrorKind, afterDeath: boolean): void {
    this.#failures += 1;
    const { backoff, unreachableRetryMs, releaseWaitMs } = this.#tuning;
    const capMs = kind === 'unreachable' ? Math.min(backoff.capMs, unreachableRetryMs) : backoff.capMs;
    let delay = backoffDelay(this.#failures, { baseMs: Math.min(backoff.baseMs, capMs), capMs });
    if (afterDeath) delay = Math.max(delay, releaseWaitMs);
    this.#setState({ status: 'reconnecting', attempt: this.#failures, nextTryAt: Date.now() + delay, reason });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (epoch === this.#epoch) this.#begin(epoch);
    }, delay);
  }

  #scheduleProbe(epoch: number, delay: number): void {
    if (this.#tuning.probeIntervalMs <= 0) return;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = null;
      void this.#probe(epoch);
    }, delay);
  }

  async #probe(epoch: number): Promise<void> {
    const tunnel = this.#tunnel;
    if (epoch !== this.#epoch || !tunnel) return;
    const { probeGet, probeTimeoutMs, probeIntervalMs, log } = this.#tuning;
    const cancel = new AbortController();
    this.#probeCancel = cancel;
    // The listener is checked directly at the same time: when it is down (or restarting) the probe
    // through the tunnel fails too, and a new tunnel would not help, it would only flap. Checking it
    // only after a failure would race with a listener that has just come back.
    const skipTunnel = new AbortController();
    const throughTunnel = checkHealth(tunnel.url, probeGet, probeTimeoutMs, AbortSignal.any([cancel.signal, skipTunnel.signal]));
    const local = await checkHealth(`http://127.0.0.1:${this.#target.localPort}`, httpProbeGet, probeTimeoutMs, cancel.signal);
    if (local.verdict !== 'alive') skipTunnel.abort(new Error('the event listener is down'));
    let result = await throughTunnel;
    let cause: 'public' | 'local' = 'public';
    if (local.verdict !== 'alive') {
      result = { verdict: 'unknown', detail: `the event listener does not answer (${local.detail}); keeping the tunnel` };
      cause = 'local';
    }
    if (this.#probeCancel === cancel) this.#probeCancel = null;
    if (epoch !== this.#epoch) return;
    if (result.verdict === 'alive') {
      this.#probeFailures = 0;
      this.#probeWarned = null;
      this.#scheduleProbe(epoch, probeIntervalMs);
    } else if (result.verdict === 'unknown') {
      // Said once per cause, not every interval.
      if (this.#probeWarned !== cause) log('warn', `cannot check the tunnel: ${result.detail}`);
      this.#probeWarned = cause;
      this.#probeFailures = 0;
      this.#scheduleProbe(epoch, probeIntervalMs);
    } else if (++this.#probeFailures >= PROBE_FAILURES_TO_DEAD) {
      this.#onDeath(epoch, `health check through the tunnel: ${result.detail}`);
    } else {
      log('warn', `health check through the tunnel: ${result.detail}; checking again`);
      this.#scheduleProbe(epoch, Math.min(probeIntervalMs, PROBE_RECHECK_MS));
    }
  }

  #cancelProbe(): void {
    if (this.#probeTimer) clearTimeout(this.#probeTimer);
    this.#probeTimer = null;
    this.#probeCancel?.abort(new Error('tunnel closed'));
    this.#probeCancel = null;
  }

  /** Closes a tunnel, remembering it until its sockets are gone. */
  #release(tunnel: OpenTunnel): Promise<void> {
    return this.#track(tunnel.close());
  }

  #track(closing: Promise<void>): Promise<void> {
    this.#closing.add(closing);
    void closing.then(() => this.#closing.delete(closing));
    return closing;
  }

  /** Cancels timers, the probe and any attempt, closes the tunnel, and waits until all of it is closed. */
  async #teardown(): Promise<void> {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#cancelProbe();
    const attempt = this.#attempt;
    this.#attempt = null;
    if (attempt) {
      attempt.controller.abort(new Error('superseded'));
      this.#track(attempt.done);
    }
    const tunnel = this.#tunnel;
    this.#tunnel = null;
    if (tunnel) void this.#release(tunnel);
    await Promise.all(this.#closing);
  }

  #setState(state: TunnelState): void {
    if (JSON.stringify(state) === JSON.stringify(this.#state)) return;
    this.#state = state;
    const [level, line] = describe(state);
    this.#tuning.log(level, line);
    try {
      this.#onState(state);
    } catch (err) {
      // A failing listener must not leave the supervisor half-way through a transition.
      this.#tuning.log('error', `state listener threw: ${errorMessage(err)}`);
    }
  }
}

/** The server URL when the target is usable, or why it is not (a configuration error, not retried). */
function checkTarget({ host, subdomain, localPort }: TunnelTarget): URL | string {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    return `invalid tunnel server URL "${host}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `tunnel server URL must start with http:// or https:// ("${host}")`;
  if (subdomain !== '' && !isValidSubdomain(subdomain)) {
    return `invalid subdomain "${subdomain}": use 4 to 63 lowercase letters, digits or hyphens`;
  }
  if (!Number.isInteger(localPort) || localPort < 1 || localPort > 65535) return `invalid local port ${localPort}`;
  return url;
}

function describe(state: TunnelState): ['info' | 'warn' | 'error', string] {
  switch (state.status) {
    case 'off':
      return ['info', 'off'];
    case 'connecting':
      return ['info', `connecting to ${state.host}`];
    case 'online':
      return state.urlChanged
        ? // (Portals connected as applications re-bind their handlers by themselves; outgoing webhooks cannot.)
          ['warn', `online at ${state.url}, a different URL than ${state.previousUrl ?? 'the requested subdomain'}: update the webhook in Bitrix24 (portals connected as applications follow by themselves)`]
        : ['info', `online at ${state.url}`];
    case 'reconnecting':
      return ['warn', `${state.reason}; retry ${state.attempt} in ${Math.max(0, Math.round((state.nextTryAt - Date.now()) / 100) / 10)} s`];
    case 'failed':
      return ['error', `failed: ${state.reason}`];
  }
}

/** The object without its undefined properties, so `{ ...defaults, ...definedOnly(options) }` keeps defaults. */
function definedOnly<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
