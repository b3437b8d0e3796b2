import type { AppStatus, CorePushes, Settings } from '../../../electron/core/contract.js';
import { TypedEmitter } from '../../../electron/core/util/typed-emitter.js';
import type { ShellCore } from '../../../electron/main/ipc.js';

/** A status with overrides, for shell features that only read it. */
export function status(overrides: Partial<AppStatus> = {}): AppStatus {
  return {
    eventsUrl: 'http://127.0.0.1:1234/',
    tunnel: { status: 'off' },
    counts: { total: 0, today: 0, unseen: 0, ignored: 0, rejected: 0 },
    store: { ok: true, error: null, quarantinedFiles: [] },
    dataDir: '/data',
    version: 'test',
    tunnelPaused: false,
    tokensForRun: 0,
    alerts: [],
    ...overrides,
  };
}

export function settings(overrides: Partial<Settings> = {}): Settings {
  return {
    eventPort: 0,
    tunnel: { enabled: true, host: 'https://localtunnel.me', subdomain: 'b24dm-test' },
    retentionDays: null,
    notifications: true,
    language: 'system',
    autoStart: false,
    tokens: [],
    alerts: { enabled: true, threshold: 20, windowMinutes: 10, webhookUrl: null },
    ...overrides,
  };
}

/**
 * A stand-in core for the tray, notifications and auto-start wiring, where a test must push arbitrary
 * states (a real core is used wherever calls matter: ipc and preload tests).
 */
export class FakeCore extends TypedEmitter<CorePushes> {
  current = status();
  saved = settings();
  readonly pausedCalls: boolean[] = [];

  fire<K extends keyof CorePushes>(name: K, payload: CorePushes[K]): void {
    this.emit(name, payload);
  }
  async getStatus(): Promise<AppStatus> {
    return this.current;
  }
  async getSettings(): Promise<Settings> {
    return this.saved;
  }
  async setTunnelPaused(args: { paused: boolean }): Promise<AppStatus> {
    this.pausedCalls.push(args.paused);
    this.current = { ...this.current, tunnelPaused: args.paused };
    return this.current;
  }
  /** Typed as the shell's core; calls the fake does not implement would throw. */
  asShellCore(): ShellCore {
    return this as unknown as ShellCore;
  }
}
