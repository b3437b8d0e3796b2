/**
 * The monitor's core, wired: settings, tokens, log, quarantine, pipeline, event listener and tunnel.
 * It implements the UI contract (`CoreCalls`) and pushes every change (`CorePushes`); the Electron shell
 * and the `serve` dashboard expose exactly this object. Never imports electron.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type {
  AppStatus,
  CoreCalls,
  CorePushes,
  DeletionFilter,
  DeletionPage,
  DeletionQuery,
  QuarantineEntry,
  Settings,
  SettingsPatch,
  TestEventResult,
  TrustResult,
  TunnelState,
} from './contract.js';
import { CallError } from './contract-schemas.js';
import { EventListener } from './listener/event-listener.js';
import { EventPipeline } from './pipeline/event-pipeline.js';
import { DeletionStore, describeWriteStats } from './store/deletion-store.js';
import { QuarantineStore } from './store/quarantine-store.js';
import { SettingsStore } from './store/settings-store.js';
import { TokenRegistry, hashToken, type AcceptedToken } from './tokens/token-registry.js';
import { exportCsv } from './export/csv-export.js';
import { TunnelLink, type TunnelTuning } from './tunnel/tunnel-link.js';
import { sampleDeletionBody, SELF_TEST_PORTAL } from './self-test.js';
import { describeError, silentLogger, type Logger } from './util/logger.js';
import { TypedEmitter } from './util/typed-emitter.js';
import { lockDataDir } from './util/data-dir-lock.js';

export interface MonitorCoreOptions {
  dataDir: string;
  /** Event listener port for this run (overrides the saved setting; 0 = any free port). */
  port?: number;
  /** Tokens accepted from any portal for this run only (`serve --token`); kept as hashes in memory. */
  tokens?: readonly string[];
  /** Tunnel overrides for this run (`--no-tunnel`, `--tunnel-host`, `--subdomain`). */
  tunnel?: { enabled?: boolean; host?: string; subdomain?: string };
  /** fdatasync every group commit (default true). */
  fsync?: boolean;
  segmentSize?: number;
  log?: Logger;
  version?: string;
  /** Tunnel timings and probe, for tests. */
  tunnelTuning?: TunnelTuning;
}

const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

function startOfLocalDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export class MonitorCore extends TypedEmitter<CorePushes> implements CoreCalls {
  private listener!: EventListener;
  private pipeline!: EventPipeline;
  private tunnel!: TunnelLink;
  private readonly registry = new TokenRegistry();
  /** One-time token for "send a test event", accepted only from the self-test portal. */
  private readonly selfTestToken = randomBytes(16).toString('hex');
  private today = { dayStart: 0, count: 0 };
  private tunnelPaused = false;
  private retentionTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private exportCounter = 0;
  private stopped = false;
  private readonly log: Logger;

  private constructor(
    private readonly options: MonitorCoreOptions,
    readonly settings: SettingsStore,
    readonly store: DeletionStore,
    private readonly quarantine: QuarantineStore,
    private readonly unlock: () => void,
  ) {
    super();
    this.log = options.log ?? silentLogger;
  }

  /** Opens the data folder and starts listening (and tunnelling, unless turned off). */
  static async start(options: MonitorCoreOptions): Promise<MonitorCore> {
    const log = options.log ?? silentLogger;
    const fsync = options.fsync ?? true;
    const unlock = lockDataDir(options.dataDir);
    try {
      const settings = await SettingsStore.open(options.dataDir, { fsync, log });
      const store = await DeletionStore.open({ dir: path.join(options.dataDir, 'log'), fsync, log, segmentSize: options.segmentSize });
      const quarantine = await QuarantineStore.open(options.dataDir, { fsync, log });
      const core = new MonitorCore(options, settings, store, quarantine, unlock);
      try {
        await core.init();
      } catch (error) {
        await core.stop();
        throw error;
      }
      return core;
    } catch (error) {
      unlock();
      throw error;
    }
  }

  private async init(): Promise<void> {
    this.refreshTokens();
    this.pipeline = new EventPipeline({
      store: this.store,
      tokens: this.registry,
      quarantine: this.quarantine,
      log: this.log,
      onQuarantined: () => this.emit('quarantineChanged', this.quarantine.entries),
    });
    this.store.on('added', (records) => {
      // Once per group commit: the local day (a Date and its time zone) is worked out again only when it
      // may have changed. No local day is shorter than 23 hours (DST), so the first 22 are safe.
      const now = Date.now();
      const dayStart = now >= this.today.dayStart && now < this.today.dayStart + 86_400_000 - 7_200_000 ? this.today.dayStart : startOfLocalDay(now);
      if (dayStart !== this.today.dayStart) void this.recountToday();
      else for (const r of records) if (r.receivedAt >= dayStart) this.today.count++;
      this.emit('deletionsAdded', records);
      this.scheduleStatus();
    });
    this.store.on('health', () => this.scheduleStatus());
    await this.recountToday();
    await this.applyRetention();
    this.retentionTimer = setInterval(() => void this.applyRetention(), RETENTION_INTERVAL_MS);
    this.retentionTimer.unref();

    this.listener = this.newListener(this.options.port ?? this.settings.view.eventPort);
    const port = await this.listener.start();
    this.log.info(`event listener on http://127.0.0.1:${port}/`);

    this.tunnel = new TunnelLink({
      localPort: port,
      log: this.log,
      ...(this.options.tunnelTuning && { tuning: this.options.tunnelTuning }),
      onState: (state) => this.onTunnelState(state),
    });
    this.applyTunnelSettings();
  }

  private newListener(port: number): EventListener {
    return new EventListener({ pipeline: this.pipeline, port, log: this.log, health: () => this.healthReport() });
  }

  /** What `GET /health` answers: state and counts, never a token, key or path. */
  private healthReport(): Record<string, unknown> {
    const store = this.store.health;
    return {
      status: store.ok ? 'ok' : 'degraded',
      store: { ok: store.ok, error: store.error, damagedFiles: store.quarantinedFiles.length },
      deletions: this.store.total,
      tunnel: this.tunnel?.state.status ?? 'off',
      version: this.options.version ?? 'dev',
    };
  }

  get eventsUrl(): string | null {
    const port = this.listener?.port;
    return port ? `http://127.0.0.1:${port}/` : null;
  }

  get tunnelState(): TunnelState {
    return this.tunnel.state;
  }

  /** Stops listening, closes the tunnel, flushes the log. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.statusTimer) clearTimeout(this.statusTimer);
    await this.tunnel?.stop();
    await this.listener?.stop();
    await this.store.close();
    const writes = this.store.writeStats;
    if (writes.writes > 0) this.log.info(describeWriteStats(writes, this.options.fsync ?? true));
    await this.quarantine.saveNow();
    this.unlock();
  }

  // ---- contract calls ------------------------------------------------------------------------

  async getStatus(): Promise<AppStatus> {
    return this.status();
  }

  async queryDeletions(query: DeletionQuery): Promise<DeletionPage> {
    return this.store.query(query);
  }

  async listFacets(): Promise<{ portals: string[]; events: string[]; entityTypeIds: number[] }> {
    return this.store.facets();
  }

  async getSettings(): Promise<Settings> {
    return this.settings.view;
  }

  async updateSettings(patch: SettingsPatch): Promise<Settings> {
    const before = this.settings.view;
    const after = await this.settings.update(patch);
    if (after.eventPort !== before.eventPort && this.options.port === undefined) await this.rebindListener(after.eventPort);
    if (JSON.stringify(after.tunnel) !== JSON.stringify(before.tunnel)) this.applyTunnelSettings();
    if (after.retentionDays !== before.retentionDays) await this.applyRetention();
    this.emit('settingsChanged', after);
    return after;
  }

  async addToken(args: { token: string; portal: string | null; label: string }): Promise<Settings> {
    const view = await this.settings.addTokenHash(hashToken(args.token), args.portal, args.label);
    this.refreshTokens();
    this.log.info(`token added for ${args.portal ?? 'any portal'}`);
    this.emit('settingsChanged', view);
    return view;
  }

  async removeToken(args: { fingerprint: string }): Promise<Settings> {
    const view = await this.settings.removeToken(args.fingerprint);
    this.refreshTokens();
    this.emit('settingsChanged', view);
    return view;
  }

  async listQuarantine(): Promise<QuarantineEntry[]> {
    return this.quarantine.entries;
  }

  async trustQuarantined(args: { id: string; label: string }): Promise<TrustResult> {
    const request = this.quarantine.find(args.id);
    if (!request) throw new CallError('NOT_FOUND', 'that request is no longer in the quarantine');
    if (!request.tokenHash) throw new CallError('NO_TOKEN', 'that request carried no application token to trust');
    const view = await this.settings.addTokenHash(request.tokenHash, request.entry.portal, args.label);
    this.refreshTokens();
    const taken = await this.quarantine.takeByToken(request.tokenHash);
    let moved = 0;
    for (const { record } of taken) {
      if (!record) continue;
      const answer = await this.pipeline.store(record);
      if (answer.status !== 200) throw new CallError('STORE_UNAVAILABLE', 'the log cannot be written; try again');
      if ('stored' in answer.body && answer.body.stored) moved++;
    }
    const fingerprint = view.tokens.find((t) => t.portal === request.entry.portal && t.fingerprint === request.entry.tokenFp)?.fingerprint ?? request.entry.tokenFp ?? '';
    this.log.info(`trusted token ${fingerprint} for ${request.entry.portal ?? 'any portal'}; ${moved} deletion(s) moved from quarantine`);
    this.emit('settingsChanged', view);
    this.emit('quarantineChanged', this.quarantine.entries);
    return { fingerprint, moved };
  }

  async clearQuarantine(): Promise<void> {
    await this.quarantine.clear();
    this.emit('quarantineChanged', this.quarantine.entries);
  }

  async sendTestEvent(): Promise<TestEventResult> {
    const state = this.tunnel.state;
    const via = state.status === 'online' ? 'tunnel' : 'local';
    const base = state.status === 'online' ? state.url : this.eventsUrl;
    if (!base) throw new CallError('NOT_LISTENING', 'the event listener is not running');
    const itemId = Date.now() % 1_000_000_000;
    const started = Date.now();
    const arrived = new Promise<CorePushes['deletionsAdded'][number] | null>((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(null);
      }, 15_000);
      const off = this.store.on('added', (records) => {
        const mine = records.find((r) => r.portal === SELF_TEST_PORTAL && r.itemId === itemId);
        if (!mine) return;
        clearTimeout(timer);
        off();
        resolve(mine);
      });
    });
    let status: number;
    try {
      const response = await fetch(base, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Bypass-Tunnel-Reminder': '1', 'User-Agent': 'Bitrix24 Deletion Monitor self-test' },
        body: sampleDeletionBody(itemId, this.selfTestToken),
        signal: AbortSignal.timeout(15_000),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (error) {
      throw new CallError('TEST_FAILED', `could not reach ${via === 'tunnel' ? 'the public URL' : 'the listener'}: ${describeError(error)}`);
    }
    const record = status === 200 ? await arrived : null;
    return { via, status, record, elapsedMs: Date.now() - started };
  }

  async exportCsv(args: { filter: DeletionFilter; path: string }): Promise<{ rows: number; path: string }> {
    if (!path.isAbsolute(args.path)) throw new CallError('BAD_ARGUMENTS', 'export path must be absolute');
    const exportId = `export-${++this.exportCounter}`;
    let last = 0;
    try {
      const { rows } = await exportCsv(this.store, args.filter, args.path, (rows) => {
        if (rows - last >= 5000) {
          last = rows;
          this.emit('exportProgress', { exportId, rows, done: false, error: null });
        }
      });
      this.emit('exportProgress', { exportId, rows, done: true, error: null });
      this.log.info(`exported ${rows} deletion(s) to CSV`);
      return { rows, path: args.path };
    } catch (error) {
      this.emit('exportProgress', { exportId, rows: last, done: true, error: describeError(error) });
      throw new CallError('EXPORT_FAILED', `export failed: ${describeError(error)}`);
    }
  }

  async setTunnelPaused(args: { paused: boolean }): Promise<AppStatus> {
    this.tunnelPaused = args.paused;
    this.applyTunnelSettings();
    return this.status();
  }

  async markSeen(): Promise<void> {
    await this.settings.setSeenSeq(this.lastSeq());
    this.scheduleStatus();
  }

  // ---- internals -----------------------------------------------------------------------------

  private status(): AppStatus {
    const seen = this.settings.seenSeq;
    const counters = this.pipeline.counters;
    return {
      eventsUrl: this.eventsUrl,
      tunnel: this.tunnel.state,
      tunnelPaused: this.tunnelPaused,
      counts: {
        total: this.store.total,
        today: this.today.count,
        unseen: Math.max(0, Math.min(this.store.total, this.lastSeq() - seen)),
        ignored: counters.ignored,
        rejected: counters.rejected,
      },
      store: this.store.health,
      dataDir: this.options.dataDir,
      version: this.options.version ?? 'dev',
    };
  }

  private lastSeq(): number {
    return this.store.lastSeq;
  }

  /** Status pushes are coalesced: a burst of thousands of events sends a few, not thousands. */
  private scheduleStatus(): void {
    if (this.statusTimer || this.stopped) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      this.emit('statusChanged', this.status());
    }, 200);
    this.statusTimer.unref();
  }

  private async recountToday(): Promise<void> {
    const dayStart = startOfLocalDay(Date.now());
    this.today = { dayStart, count: await this.store.count({ from: dayStart }) };
  }

  private refreshTokens(): void {
    const tokens: AcceptedToken[] = this.settings.tokens.map((t) => ({ hash: t.hash, portal: t.portal }));
    for (const token of this.options.tokens ?? []) tokens.push({ hash: hashToken(token), portal: null });
    tokens.push({ hash: hashToken(this.selfTestToken), portal: SELF_TEST_PORTAL });
    this.registry.replace(tokens);
  }

  private async applyRetention(): Promise<void> {
    const days = this.settings.view.retentionDays;
    if (days === null) return;
    try {
      if ((await this.store.applyRetention(days)) > 0) {
        await this.recountToday();
        this.scheduleStatus();
      }
    } catch (error) {
      this.log.warn(`retention failed: ${describeError(error)}`);
    }
  }

  private async rebindListener(port: number): Promise<void> {
    const next = this.newListener(port);
    const bound = await next.start().catch((error) => {
      throw new CallError('PORT_UNAVAILABLE', `port ${port} cannot be used: ${describeError(error)}`);
    });
    const previous = this.listener;
    this.listener = next;
    await previous.stop();
    this.tunnel.update({ localPort: bound });
    this.log.info(`event listener moved to http://127.0.0.1:${bound}/`);
    this.scheduleStatus();
  }

  private applyTunnelSettings(): void {
    const saved = this.settings.view.tunnel;
    const overrides = this.options.tunnel ?? {};
    const enabled = (overrides.enabled ?? saved.enabled) && !this.tunnelPaused;
    this.tunnel.configure({
      enabled,
      host: overrides.host ?? saved.host,
      subdomain: overrides.subdomain ?? saved.subdomain,
    });
  }

  private onTunnelState(state: TunnelState): void {
    this.log.info(`tunnel: ${state.status}${state.status === 'online' ? ` ${state.url}${state.urlChanged ? ' (URL changed: update the webhook in Bitrix24)' : ''}` : ''}${state.status === 'reconnecting' ? ` (attempt ${state.attempt}: ${state.reason})` : ''}`);
    this.emit('statusChanged', this.status());
  }
}
