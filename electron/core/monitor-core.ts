/**
 * The monitor's core, wired: settings, tokens, log, quarantine, pipeline, event listener and tunnel.
 * It implements the UI contract (`CoreCalls`) and pushes every change (`CorePushes`); the Electron shell
 * and the `serve` dashboard expose exactly this object. Never imports electron.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type {
  Activity,
  ActivityQuery,
  AppStatus,
  CoreCalls,
  CorePushes,
  DeletionFilter,
  DeletionPage,
  DeletionQuery,
  PortalAppState,
  QuarantineEntry,
  Settings,
  SettingsPatch,
  TestEventResult,
  TrustResult,
  TunnelState,
} from './contract.js';
import { SELF_TEST_PORTAL, isTestDeletion, type DeletionRecord, type Facets, type MassDeletionAlert } from './contract.js';
import { MassDeletionWatch } from './alerts/mass-deletion.js';
import { computeActivity } from './activity/activity.js';
import { actorText, postAlert } from './alerts/alert-webhook.js';
import { CallError } from './contract-schemas.js';
import { EventListener } from './listener/event-listener.js';
import { EventPipeline } from './pipeline/event-pipeline.js';
import { DeletionStore, describeWriteStats } from './store/deletion-store.js';
import { QuarantineStore } from './store/quarantine-store.js';
import { SettingsStore } from './store/settings-store.js';
import { TokenRegistry, hashToken, type AcceptedToken } from './tokens/token-registry.js';
import { exportCsv, joinedScanner, type RecordScanner } from './export/csv-export.js';
import { TunnelLink, type TunnelTuning } from './tunnel/tunnel-link.js';
import { sampleDeletionBody } from './self-test.js';
import { describeError, silentLogger, type Logger } from './util/logger.js';
import { TypedEmitter } from './util/typed-emitter.js';
import { lockDataDir } from './util/data-dir-lock.js';
import { PortalApps, type PortalAppsOptions } from './portal-app/portal-apps.js';
import { SNAPSHOTS_DIR, SnapshotStore } from './portal-app/snapshot-store.js';
import type { KeyProvider } from './portal-app/secret-box.js';

/** Application mode (a portal connected as a Bitrix24 local application). */
export interface AppModeOptions {
  /** Seals the client secret and tokens at rest (serve: a key file outside the data folder). */
  keys: KeyProvider;
  /** Tests only: a portal and OAuth server on http://127.0.0.1:PORT. */
  allowLoopback?: boolean;
  /** Register this portal's app and wait for its ONAPPINSTALL (`serve --app`). */
  expect?: { domain: string; clientId: string; clientSecret: string };
  drainIntervalMs?: number;
  /** A paused snapshot backfill tries again after this long (default 60 s). */
  backfillRetryMs?: number;
  rest?: PortalAppsOptions['rest'];
}

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
  /** What a second monitor refused on this folder is told we are (`serve`, `desktop`). */
  instanceKind?: string;
  /** Application mode; absent: outgoing webhooks only. */
  apps?: AppModeOptions;
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
  private apps: PortalApps | null = null;
  /** One-time token for "send a test event", accepted only from the self-test portal. */
  private readonly selfTestToken = randomBytes(16).toString('hex');
  private today = { dayStart: 0, count: 0 };
  /** Test deletions in the log, and real ones since the user last looked: counts leave tests out. */
  private tests = 0;
  private unseen = 0;
  private massDeletions: MassDeletionWatch | null = null;
  /** Alerts raised since start, newest first. */
  private alerts: MassDeletionAlert[] = [];
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
    const unlock = await lockDataDir(options.dataDir, { kind: options.instanceKind ?? 'monitor' });
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
    if (this.options.apps) await this.openApps(this.options.apps);
    this.refreshTokens();
    this.pipeline = new EventPipeline({
      store: this.store,
      tokens: this.registry,
      quarantine: this.quarantine,
      log: this.log,
      onQuarantined: () => this.emit('quarantineChanged', this.quarantine.entries),
      ...(this.apps && { appEvents: this.apps }),
    });
    this.store.on('added', (records) => {
      // Once per group commit: the local day (a Date and its time zone) is worked out again only when it
      // may have changed. No local day is shorter than 23 hours (DST), so the first 22 are safe.
      const now = Date.now();
      const dayStart = now >= this.today.dayStart && now < this.today.dayStart + 86_400_000 - 7_200_000 ? this.today.dayStart : startOfLocalDay(now);
      const newDay = dayStart !== this.today.dayStart;
      for (const r of records) {
        if (isTestDeletion(r)) {
          this.tests++;
          continue;
        }
        this.unseen++;
        if (!newDay && r.receivedAt >= dayStart) this.today.count++;
      }
      if (newDay) void this.recountToday();
      this.apps?.noteRecords(records);
      this.emit('deletionsAdded', this.apps ? records.map((r) => this.apps!.join(r)) : records);
      this.watchForMassDeletion(records);
      this.scheduleStatus();
    });
    this.massDeletions = new MassDeletionWatch(this.settings.view.alerts);
    this.store.on('health', () => this.scheduleStatus());
    await this.recount();
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
    this.apps?.start();
    // The activity view's tallies are read once, after start (not before: start stays as fast as it was),
    // and added up once, so the first view opened runs compiled code (~10 ms at 1M deletions, not ~120).
    setTimeout(() => {
      if (this.stopped) return;
      computeActivity(this.store, { filter: {} }).catch((error: unknown) => this.log.warn(`activity tallies not read: ${describeError(error)}`));
    }, 0).unref();
  }

  private async openApps(app: AppModeOptions): Promise<void> {
    this.apps = await PortalApps.open({
      dataDir: this.options.dataDir,
      keys: app.keys,
      allowLoopback: app.allowLoopback ?? false,
      fsync: this.options.fsync ?? true,
      log: this.log,
      drainIntervalMs: app.drainIntervalMs,
      backfillRetryMs: app.backfillRetryMs,
      rest: app.rest,
      quarantine: (hash, event, portal) => {
        this.quarantine.add(hash, event, portal, null, Date.now());
        this.emit('quarantineChanged', this.quarantine.entries);
      },
      store: (record) => this.pipeline.store(record),
      onChange: () => {
        this.refreshTokens();
        this.scheduleStatus();
      },
      onNames: (portal) => this.emit('namesChanged', { portal }),
    });
    if (app.expect) await this.apps.expectInstall(app.expect.domain, app.expect.clientId, app.expect.clientSecret);
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
      deletions: this.realTotal(),
      tunnel: this.tunnel?.state.status ?? 'off',
      version: this.options.version ?? 'dev',
      ...(this.apps && { apps: this.apps.health() }),
      // Reachable through the public URL: how many and when, never who.
      alerts: this.alerts.slice(0, 5).map((a) => ({ portal: a.portal, count: a.count, firstAt: a.firstAt, lastAt: a.lastAt, raisedAt: a.raisedAt })),
    };
  }

  get eventsUrl(): string | null {
    const port = this.listener?.port;
    return port ? `http://127.0.0.1:${port}/` : null;
  }

  /** The log as exports read it: the store's records with the names application mode knows joined. */
  get csvSource(): RecordScanner {
    const apps = this.apps;
    return apps ? joinedScanner(this.store, (r) => apps.join(r), (rows) => apps.joinSnapshots(rows)) : this.store;
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
    await this.apps?.stop();
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
    const page = await this.store.query(query);
    // Names live beside the log and are joined here, where rows are read.
    // Snapshots too: frozen beside the row when the deletion arrived, read by the row's seq.
    return this.apps ? { ...page, rows: await this.apps.joinSnapshots(page.rows.map((r) => this.apps!.join(r))) } : page;
  }

  async listFacets(): Promise<Facets> {
    const facets = this.store.facets();
    return this.apps ? { ...facets, entityTypeNames: this.apps.typeNames() } : facets;
  }

  async getActivity(query: ActivityQuery): Promise<Activity> {
    const activity = await computeActivity(this.store, query);
    const apps = this.apps;
    if (!apps) return activity;
    // Names live beside the log and are joined here, where the numbers are read.
    const topUsers = activity.topUsers.map((u) => {
      if (u.userId === null) return u;
      const { userName } = apps.join({ portal: u.portal, userId: u.userId, entityTypeId: 0 });
      return userName ? { ...u, userName } : u;
    });
    return { ...activity, topUsers, entityTypeNames: apps.typeNames() };
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
    this.massDeletions?.setRule(after.alerts);
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

  async exportCsv(args: { filter: DeletionFilter; path: string; language?: 'en' | 'ru' }): Promise<{ rows: number; path: string }> {
    if (!path.isAbsolute(args.path)) throw new CallError('BAD_ARGUMENTS', 'export path must be absolute');
    const exportId = `export-${++this.exportCounter}`;
    let last = 0;
    try {
      const { rows } = await exportCsv(this.csvSource, args.filter, args.path, (rows) => {
        if (rows - last >= 5000) {
          last = rows;
          this.emit('exportProgress', { exportId, rows, done: false, error: null });
        }
      }, args.language);
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
    this.unseen = 0;
    this.scheduleStatus();
  }

  /** Authorization-code fallback, step 1: the portal's authorize page for a registered app. */
  appAuthorizeUrl(domain: string): string {
    if (!this.apps) throw new CallError('APP_MODE_OFF', 'application mode is not available here');
    return this.apps.authorizeUrl(domain);
  }

  /** Authorization-code fallback, step 2: the address the portal redirected to. */
  async appConnectWithRedirect(domain: string, redirected: string): Promise<PortalAppState> {
    if (!this.apps) throw new CallError('APP_MODE_OFF', 'application mode is not available here');
    const state = await this.apps.connectWithRedirect(domain, redirected);
    this.emit('statusChanged', this.status());
    return state;
  }

  async authorizePortalApp(args: { domain: string }): Promise<{ url: string; connected: PortalAppState | null }> {
    try {
      return { url: this.appAuthorizeUrl(args.domain), connected: null };
    } catch (error) {
      throw error instanceof CallError ? error : new CallError('BAD_ARGUMENTS', describeError(error));
    }
  }

  async completePortalAppAuthorization(args: { domain: string; redirected: string }): Promise<PortalAppState> {
    try {
      return await this.appConnectWithRedirect(args.domain, args.redirected);
    } catch (error) {
      throw error instanceof CallError ? error : new CallError('AUTHORIZATION_FAILED', describeError(error));
    }
  }

  async listPortalApps(): Promise<PortalAppState[]> {
    return this.apps?.portals ?? [];
  }

  async connectPortalApp(args: { domain: string; clientId: string; clientSecret: string }): Promise<PortalAppState> {
    if (!this.apps) throw new CallError('APP_MODE_OFF', 'application mode is not available here (no key to seal secrets with)');
    try {
      const state = await this.apps.expectInstall(args.domain, args.clientId, args.clientSecret);
      this.emit('statusChanged', this.status());
      return state;
    } catch (error) {
      throw new CallError('BAD_ARGUMENTS', describeError(error));
    }
  }

  // ---- internals -----------------------------------------------------------------------------

  private status(): AppStatus {
    const counters = this.pipeline.counters;
    return {
      eventsUrl: this.eventsUrl,
      tunnel: this.tunnel.state,
      tunnelPaused: this.tunnelPaused,
      counts: {
        total: this.realTotal(),
        today: this.today.count,
        unseen: this.unseen,
        ignored: counters.ignored,
        rejected: counters.rejected,
      },
      store: this.store.health,
      dataDir: this.options.dataDir,
      version: this.options.version ?? 'dev',
      tokensForRun: this.options.tokens?.length ?? 0,
      alerts: this.alerts.map((a) => this.withName(a)),
      ...(this.apps && { apps: this.apps.portals }),
    };
  }

  /** Mass-deletion alerts: one per burst (log line, push, /health, the team chat), growth in the status. */
  private watchForMassDeletion(records: readonly DeletionRecord[]): void {
    if (!this.massDeletions) return;
    const real = records.some(isTestDeletion) ? records.filter((r) => !isTestDeletion(r)) : records;
    const { opened, grown } = this.massDeletions.add(real);
    for (const alert of opened) {
      this.alerts.unshift(alert);
      this.alerts.length = Math.min(this.alerts.length, 20);
      const named = this.withName(alert);
      this.log.warn(`alert: mass deletion on ${alert.portal}: ${alert.count} deletions by ${actorText(named)} within ${alert.windowMinutes} min (rule: ${alert.threshold})`);
      this.emit('massDeletion', named);
      const url = this.settings.view.alerts.webhookUrl;
      if (url) {
        postAlert(url, named).then(
          (status) => this.log.info(`alert: posted to the team chat webhook (HTTP ${status})`),
          (error: unknown) => this.log.warn(`alert: the team chat webhook failed: ${describeError(error)}`),
        );
      }
    }
    if (opened.length > 0 || grown.length > 0) this.scheduleStatus();
  }

  /** An alert with the user's name, where application mode knows it. */
  private withName(alert: MassDeletionAlert): MassDeletionAlert {
    if (!this.apps || alert.userId === null) return alert;
    const { userName } = this.apps.join({ portal: alert.portal, userId: alert.userId, entityTypeId: 0 });
    return userName ? { ...alert, userName } : alert;
  }

  /** Deletions in the log, test deletions left out. */
  private realTotal(): number {
    return this.store.total - this.tests;
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

  /** Counts from the log itself: at start and after retention removed history. */
  private async recount(): Promise<void> {
    this.tests = await this.store.count({ portal: SELF_TEST_PORTAL, includeTests: true });
    this.unseen = await this.store.count({ afterSeq: this.settings.seenSeq });
    await this.recountToday();
  }

  private async recountToday(): Promise<void> {
    const dayStart = startOfLocalDay(Date.now());
    this.today = { dayStart, count: await this.store.count({ from: dayStart }) };
  }

  private refreshTokens(): void {
    const tokens: AcceptedToken[] = this.settings.tokens.map((t) => ({ hash: t.hash, portal: t.portal }));
    for (const token of this.options.tokens ?? []) tokens.push({ hash: hashToken(token), portal: null });
    tokens.push({ hash: hashToken(this.selfTestToken), portal: SELF_TEST_PORTAL });
    if (this.apps) tokens.push(...this.apps.acceptedTokens());
    this.registry.replace(tokens);
  }

  private async applyRetention(): Promise<void> {
    const days = this.settings.view.retentionDays;
    if (days === null) return;
    try {
      if ((await this.store.applyRetention(days)) > 0) {
        await this.recount();
        this.scheduleStatus();
        const forgotten = await this.forgetFrozenSnapshots(this.store.expiredThroughSeq);
        if (forgotten > 0) this.log.info(`retention: removed ${forgotten} item snapshot(s) of those deletions`);
      }
    } catch (error) {
      this.log.warn(`retention failed: ${describeError(error)}`);
    }
  }

  /** Snapshots frozen beside rows retention removed (also when application mode is off now). */
  private async forgetFrozenSnapshots(throughSeq: number): Promise<number> {
    if (this.apps) return this.apps.snapshots.dropFrozenThrough(throughSeq);
    if (!existsSync(path.join(this.options.dataDir, SNAPSHOTS_DIR))) return 0;
    return (await SnapshotStore.open(this.options.dataDir)).dropFrozenThrough(throughSeq);
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
    if (state.status === 'online') this.apps?.setHandlerUrl(state.url);
    // (The tunnel logs each of its state changes itself, once.)
    this.emit('statusChanged', this.status());
  }
}
