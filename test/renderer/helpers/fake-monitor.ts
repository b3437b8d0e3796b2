/**
 * An in-memory MonitorApi: the contract implemented over an array of records, with pushes, a log of
 * calls, injectable failures, and calls that can be held to test races. It imports nothing from Vitest
 * so it can also drive the UI outside tests.
 *
 * Records `1..synthetic` are generated on demand (a million rows cost nothing); records added later are
 * kept in an array.
 */
import type {
  Activity,
  ActivityQuery,
  AppStatus,
  CallName,
  CoreErrorShape,
  CorePushes,
  DeletionFilter,
  DeletionPage,
  DeletionQuery,
  DeletionRecord,
  Facets,
  MonitorApi,
  PortalAppState,
  PushName,
  QuarantineEntry,
  Settings,
  SettingsPatch,
  TestEventResult,
  TrustedToken,
  TrustResult,
  TunnelState,
} from '../../../electron/core/contract';
import { SELF_TEST_PORTAL } from '../../../electron/core/contract';

export const BASE_TIME = Date.UTC(2025, 10, 26, 9, 0, 0);

const EVENTS: readonly [string, number][] = [
  ['ONCRMDEALDELETE', 2],
  ['ONCRMLEADDELETE', 1],
  ['ONCRMCONTACTDELETE', 3],
  ['ONCRMDYNAMICITEMDELETE', 1220],
  ['ONCRMCOMPANYDELETE', 4],
  ['ONCRMDYNAMICITEMDELETE', 31],
];

/** A deterministic record for a sequence number. */
export function makeRecord(seq: number, overrides: Partial<DeletionRecord> = {}): DeletionRecord {
  const [event, entityTypeId] = EVENTS[seq % EVENTS.length]!;
  return {
    id: `rec-${seq}`,
    seq,
    event,
    handlerId: 6,
    itemId: 1_000_000 + seq,
    entityTypeId,
    sentAt: BASE_TIME + seq * 1000 - 2000,
    receivedAt: BASE_TIME + seq * 1000,
    portal: seq % 3 === 0 ? 'beta.bitrix24.ru' : 'alpha.bitrix24.com',
    memberId: `member${seq % 7}`,
    clientEndpoint: null,
    byUser: seq % 2 === 0,
    userId: seq % 2 === 0 ? 10 + (seq % 5) : null,
    tokenFp: 'a1b2c3d4',
    ...overrides,
  };
}

export function matches(r: DeletionRecord, f: DeletionFilter): boolean {
  return (
    (f.includeTests === true || r.portal !== SELF_TEST_PORTAL) &&
    (f.event === undefined || r.event === f.event.toUpperCase()) &&
    (f.entityTypeId === undefined || r.entityTypeId === f.entityTypeId) &&
    (f.portal === undefined || r.portal === f.portal.toLowerCase()) &&
    (f.itemId === undefined || r.itemId === f.itemId) &&
    (f.from === undefined || r.receivedAt >= f.from) &&
    (f.to === undefined || r.receivedAt < f.to)
  );
}

function isEmpty(f: DeletionFilter): boolean {
  return Object.values(f).every((v) => v === undefined);
}

export class FakeCallError extends Error implements CoreErrorShape {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function defaultStatus(): AppStatus {
  return {
    eventsUrl: 'http://127.0.0.1:43111/',
    tunnel: { status: 'online', url: 'https://b24dm-test.loca.lt', urlChanged: false, previousUrl: null, since: BASE_TIME },
    counts: { total: 0, today: 0, unseen: 0, ignored: 0, rejected: 0 },
    store: { ok: true, error: null, quarantinedFiles: [] },
    dataDir: '/home/user/.config/bitrix24-deletion-monitor',
    version: '0.1.0',
    tunnelPaused: false,
    tokensForRun: 0,
    alerts: [],
  };
}

export function defaultSettings(): Settings {
  return {
    eventPort: 0,
    tunnel: { enabled: true, host: 'https://localtunnel.me', subdomain: 'b24dm-test' },
    retentionDays: null,
    notifications: true,
    language: 'en',
    autoStart: false,
    tokens: [{ fingerprint: 'a1b2c3d4', portal: 'alpha.bitrix24.com', addedAt: BASE_TIME, label: 'Alpha' }],
    alerts: { enabled: true, threshold: 20, windowMinutes: 10, webhookUrl: null },
  };
}

/** Eight hex digits standing in for the core's fingerprint of a token. */
export function fakeFingerprint(token: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export interface FakeMonitorOptions {
  transport?: 'ipc' | 'http';
  /** Records with seq 1..n generated on demand. */
  synthetic?: number;
  records?: DeletionRecord[];
  status?: Partial<AppStatus>;
  settings?: Partial<Settings>;
  quarantine?: QuarantineEntry[];
  /** Deletions each quarantined entry carries (moved on trust), by entry id. */
  quarantinedRecords?: Record<string, DeletionRecord[]>;
}

type Listener = (payload: never) => void;

export class FakeMonitor implements MonitorApi {
  readonly transport: 'ipc' | 'http';
  status: AppStatus;
  settings: Settings;
  quarantine: QuarantineEntry[];
  readonly calls: { name: CallName; args: unknown[] }[] = [];
  private synthetic: number;
  private extra: DeletionRecord[];
  private readonly quarantinedRecords: Record<string, DeletionRecord[]>;
  private readonly listeners = new Map<PushName, Set<Listener>>();
  private readonly failures = new Map<CallName, CoreErrorShape>();
  private readonly held = new Map<CallName, (() => void)[]>();
  private readonly holding = new Set<CallName>();
  private nextExport = 1;

  constructor(options: FakeMonitorOptions = {}) {
    this.transport = options.transport ?? 'ipc';
    this.synthetic = options.synthetic ?? 0;
    this.extra = [...(options.records ?? [])].sort((a, b) => a.seq - b.seq);
    this.status = { ...defaultStatus(), ...options.status };
    this.settings = { ...defaultSettings(), ...options.settings };
    this.quarantine = options.quarantine ?? [];
    this.quarantinedRecords = options.quarantinedRecords ?? {};
    this.status.counts = { ...this.status.counts, total: this.total };
  }

  // ---- test controls ------------------------------------------------------------------------------

  get total(): number {
    return this.synthetic + this.extra.length;
  }

  get lastSeq(): number {
    return this.extra.at(-1)?.seq ?? this.synthetic;
  }

  /** Records newest first (materialised: keep it for small logs). */
  all(): DeletionRecord[] {
    const out: DeletionRecord[] = [];
    for (let i = this.extra.length - 1; i >= 0; i--) out.push(this.extra[i]!);
    for (let seq = this.synthetic; seq >= 1; seq--) out.push(makeRecord(seq));
    return out;
  }

  callsOf(name: CallName): unknown[][] {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  }

  /** The next call of `name` fails with this error. */
  failNext(name: CallName, code: string, message: string): void {
    this.failures.set(name, { code, message });
  }

  /** Calls of `name` wait until `release(name)`. */
  hold(name: CallName): void {
    this.holding.add(name);
  }

  release(name: CallName): void {
    this.holding.delete(name);
    const waiting = this.held.get(name) ?? [];
    this.held.delete(name);
    for (const go of waiting) go();
  }

  emit<P extends PushName>(name: P, payload: CorePushes[P]): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) (listener as (p: CorePushes[P]) => void)(payload);
  }

  listenerCount(name: PushName): number {
    return this.listeners.get(name)?.size ?? 0;
  }

  /** Stores deletions (seq assigned) without pushing them; returns them. */
  store(count: number, make: (seq: number) => Partial<DeletionRecord> = () => ({})): DeletionRecord[] {
    const added: DeletionRecord[] = [];
    for (let i = 0; i < count; i++) {
      const seq = this.lastSeq + 1;
      const record = makeRecord(seq, make(seq));
      this.extra.push(record);
      added.push(record);
    }
    // Like the core: test deletions count nowhere.
    const real = added.filter((r) => r.portal !== SELF_TEST_PORTAL).length;
    this.status = { ...this.status, counts: { ...this.status.counts, total: this.total - this.extra.filter((r) => r.portal === SELF_TEST_PORTAL).length, today: this.status.counts.today + real } };
    return added;
  }

  /** Stores deletions and pushes them as one `deletionsAdded` batch (and a status change). */
  addDeletions(count: number, make?: (seq: number) => Partial<DeletionRecord>): DeletionRecord[] {
    const added = this.store(count, make);
    this.emit('deletionsAdded', added);
    this.emit('statusChanged', this.status);
    return added;
  }

  setTunnel(tunnel: TunnelState): void {
    this.setStatus({ tunnel });
  }

  setStatus(patch: Partial<AppStatus>): void {
    this.status = { ...this.status, ...patch };
    this.emit('statusChanged', this.status);
  }

  // ---- the contract -------------------------------------------------------------------------------

  on<P extends PushName>(name: P, listener: (payload: CorePushes[P]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener);
    return () => void set.delete(listener as Listener);
  }

  private async enter(name: CallName, args: unknown[]): Promise<void> {
    this.calls.push({ name, args: structuredClone(args) });
    if (this.holding.has(name)) {
      await new Promise<void>((resolve) => {
        const list = this.held.get(name) ?? [];
        list.push(resolve);
        this.held.set(name, list);
      });
    } else {
      await Promise.resolve();
    }
    const failure = this.failures.get(name);
    if (failure) {
      this.failures.delete(name);
      throw new FakeCallError(failure.code, failure.message);
    }
  }

  async getStatus(): Promise<AppStatus> {
    await this.enter('getStatus', []);
    return structuredClone(this.status);
  }

  async queryDeletions(query: DeletionQuery): Promise<DeletionPage> {
    await this.enter('queryDeletions', [query]);
    const limit = Math.min(1000, query.limit);
    if (isEmpty(query.filter) && !this.extra.some((r) => r.portal === SELF_TEST_PORTAL)) {
      const rows: DeletionRecord[] = [];
      for (let i = query.offset; i < this.total && rows.length < limit; i++) {
        rows.push(i < this.extra.length ? this.extra[this.extra.length - 1 - i]! : makeRecord(this.synthetic - (i - this.extra.length)));
      }
      return { total: this.total, rows };
    }
    const matching = this.all().filter((r) => matches(r, query.filter));
    return { total: matching.length, rows: matching.slice(query.offset, query.offset + limit) };
  }

  /** Like the core, from the rows (local days or hours of this process): tests compare the page with it. */
  async getActivity(query: ActivityQuery): Promise<Activity> {
    await this.enter('getActivity', [query]);
    const rows = (this.total > 5000 ? this.extra : this.all()).filter((r) => matches(r, query.filter));
    const timeZone = query.timeZone ?? 'UTC';
    if (rows.length === 0) return { granularity: 'day', from: null, to: null, entityTypeIds: [], typeTotals: [], buckets: [], total: 0, topUsers: [], topPortals: [], timeZone };
    const times = rows.map((r) => r.receivedAt);
    const from = query.filter.from ?? Math.min(...times);
    const to = query.filter.to ?? Math.max(...times) + 1;
    const granularity = to - from <= 3 * 86_400_000 ? 'hour' : 'day';
    const start = new Date(from);
    if (granularity === 'hour') start.setMinutes(0, 0, 0);
    else start.setHours(0, 0, 0, 0);
    const edges = [start.getTime()];
    while (edges.at(-1)! < to) {
      const next = new Date(edges.at(-1)!);
      if (granularity === 'hour') next.setHours(next.getHours() + 1);
      else next.setDate(next.getDate() + 1);
      edges.push(next.getTime());
    }
    const tally = (key: (r: DeletionRecord) => string) => {
      const m = new Map<string, number>();
      for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
      return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    };
    const types = tally((r) => String(r.entityTypeId)).map(([id, n]) => [Number(id), n] as const);
    const buckets = edges.slice(0, -1).map((edge, i) => {
      const inside = rows.filter((r) => r.receivedAt >= edge && r.receivedAt < edges[i + 1]!);
      const counts = types.map(([id]) => inside.filter((r) => r.entityTypeId === id).length);
      return { start: edge, end: edges[i + 1]!, counts, total: inside.length };
    });
    const users = tally((r) => JSON.stringify([r.portal, r.userId]))
      .slice(0, 10)
      .map(([key, count]) => {
        const [portal, userId] = JSON.parse(key) as [string, number | null];
        const named = rows.find((r) => r.portal === portal && r.userId === userId && r.userName);
        return { portal, userId, count, ...(named && { userName: named.userName }) };
      });
    return {
      granularity,
      from,
      to,
      entityTypeIds: types.map(([id]) => id),
      typeTotals: types.map(([, n]) => n),
      buckets,
      total: rows.length,
      topUsers: users,
      topPortals: tally((r) => r.portal).slice(0, 10).map(([portal, count]) => ({ portal, count })),
      timeZone,
    };
  }

  async listFacets(): Promise<Facets> {
    await this.enter('listFacets', []);
    // Like the core: test deletions are not offered as choices.
    const sample = (this.total > 5000 ? [...this.extra, ...Array.from({ length: 12 }, (_, i) => makeRecord(i + 1))] : this.all()).filter((r) => r.portal !== SELF_TEST_PORTAL);
    return {
      portals: [...new Set(sample.map((r) => r.portal))].sort(),
      events: [...new Set(sample.map((r) => r.event))].sort(),
      entityTypeIds: [...new Set(sample.map((r) => r.entityTypeId))].sort((a, b) => a - b),
      entityTypeNames: Object.fromEntries(sample.filter((r) => r.entityTypeName).map((r) => [r.entityTypeId, r.entityTypeName!])),
    };
  }

  async getSettings(): Promise<Settings> {
    await this.enter('getSettings', []);
    return structuredClone(this.settings);
  }

  async updateSettings(patch: SettingsPatch): Promise<Settings> {
    await this.enter('updateSettings', [patch]);
    const { tunnel, alerts, ...rest } = patch;
    this.settings = { ...this.settings, ...rest, tunnel: { ...this.settings.tunnel, ...tunnel }, alerts: { ...this.settings.alerts, ...alerts } };
    this.emit('settingsChanged', structuredClone(this.settings));
    return structuredClone(this.settings);
  }

  async addToken(args: { token: string; portal: string | null; label: string }): Promise<Settings> {
    await this.enter('addToken', [args]);
    if (args.token.trim().length < 8) throw new FakeCallError('BAD_ARGUMENTS', 'addToken: token token is too short');
    const token: TrustedToken = { fingerprint: fakeFingerprint(args.token), portal: args.portal, addedAt: Date.now(), label: args.label };
    this.settings = { ...this.settings, tokens: [...this.settings.tokens, token] };
    this.emit('settingsChanged', structuredClone(this.settings));
    return structuredClone(this.settings);
  }

  async removeToken(args: { fingerprint: string }): Promise<Settings> {
    await this.enter('removeToken', [args]);
    this.settings = { ...this.settings, tokens: this.settings.tokens.filter((t) => t.fingerprint !== args.fingerprint) };
    this.emit('settingsChanged', structuredClone(this.settings));
    return structuredClone(this.settings);
  }

  async listQuarantine(): Promise<QuarantineEntry[]> {
    await this.enter('listQuarantine', []);
    return structuredClone(this.quarantine);
  }

  async trustQuarantined(args: { id: string; label: string }): Promise<TrustResult> {
    await this.enter('trustQuarantined', [args]);
    const entry = this.quarantine.find((e) => e.id === args.id);
    if (!entry) throw new FakeCallError('NOT_FOUND', 'that request is no longer in the quarantine');
    if (!entry.tokenFp) throw new FakeCallError('NO_TOKEN', 'that request carried no application token to trust');
    const siblings = this.quarantine.filter((e) => e.tokenFp === entry.tokenFp);
    this.quarantine = this.quarantine.filter((e) => e.tokenFp !== entry.tokenFp);
    const token: TrustedToken = { fingerprint: entry.tokenFp, portal: entry.portal, addedAt: Date.now(), label: args.label };
    this.settings = { ...this.settings, tokens: [...this.settings.tokens, token] };
    const moved = siblings.flatMap((e) => this.quarantinedRecords[e.id] ?? []);
    if (moved.length > 0) {
      const stored = moved.map((r) => {
        const record = { ...r, seq: this.lastSeq + 1 };
        this.extra.push(record);
        return record;
      });
      this.emit('deletionsAdded', stored);
    }
    this.emit('settingsChanged', structuredClone(this.settings));
    this.emit('quarantineChanged', structuredClone(this.quarantine));
    return { fingerprint: entry.tokenFp, moved: moved.length };
  }

  async clearQuarantine(): Promise<void> {
    await this.enter('clearQuarantine', []);
    this.quarantine = [];
    this.emit('quarantineChanged', []);
  }

  async sendTestEvent(): Promise<TestEventResult> {
    await this.enter('sendTestEvent', []);
    const [record] = this.addDeletions(1, () => ({ portal: SELF_TEST_PORTAL, event: 'ONCRMDEALDELETE', entityTypeId: 2, itemId: 424242 }));
    return { via: this.status.tunnel.status === 'online' ? 'tunnel' : 'local', status: 200, record: record!, elapsedMs: 87 };
  }

  async exportCsv(args: { filter: DeletionFilter; path: string }): Promise<{ rows: number; path: string }> {
    const exportId = `export-${this.nextExport++}`;
    await this.enter('exportCsv', [args]);
    const rows = isEmpty(args.filter) ? this.total : this.all().filter((r) => matches(r, args.filter)).length;
    this.emit('exportProgress', { exportId, rows, done: true, error: null });
    return { rows, path: args.path || '/home/user/Documents/bitrix24-deletions.csv' };
  }

  async setTunnelPaused(args: { paused: boolean }): Promise<AppStatus> {
    await this.enter('setTunnelPaused', [args]);
    this.status = {
      ...this.status,
      tunnelPaused: args.paused,
      tunnel: args.paused ? { status: 'off' } : { status: 'connecting', host: this.settings.tunnel.host },
    };
    this.emit('statusChanged', this.status);
    return structuredClone(this.status);
  }

  async markSeen(): Promise<void> {
    await this.enter('markSeen', []);
    this.status = { ...this.status, counts: { ...this.status.counts, unseen: 0 } };
  }

  portalApps: PortalAppState[] = [];

  async listPortalApps(): Promise<PortalAppState[]> {
    await this.enter('listPortalApps', []);
    return structuredClone(this.portalApps);
  }

  async connectPortalApp(args: { domain: string; clientId: string; clientSecret: string }): Promise<PortalAppState> {
    await this.enter('connectPortalApp', [{ ...args, clientSecret: '(hidden)' }]);
    const state: PortalAppState = { domain: args.domain, clientId: args.clientId, status: 'install-expected', statusReason: null, connectedAt: null, handlerUrl: null, handlerRefused: false, lastDrain: null };
    this.portalApps = [...this.portalApps.filter((p) => p.domain !== args.domain), state];
    this.secretsReceived.push(args.clientSecret);
    this.setStatus({ apps: structuredClone(this.portalApps) });
    return structuredClone(state);
  }

  /** What authorizePortalApp answers: the desktop catches the redirect itself (`connected`), the dashboard does not. */
  authorizeAnswer: (domain: string) => { url: string; connected: PortalAppState | null } = (domain) => ({
    url: `https://${domain}/oauth/authorize/?client_id=local.x&state=0123abcd`,
    connected: null,
  });

  async authorizePortalApp(args: { domain: string }): Promise<{ url: string; connected: PortalAppState | null }> {
    await this.enter('authorizePortalApp', [args]);
    const answer = this.authorizeAnswer(args.domain);
    if (answer.connected) this.setPortalApp(answer.connected);
    return structuredClone(answer);
  }

  async completePortalAppAuthorization(args: { domain: string; redirected: string }): Promise<PortalAppState> {
    await this.enter('completePortalAppAuthorization', [args]);
    const app = this.portalApps.find((p) => p.domain === args.domain);
    if (!app) throw new FakeCallError('AUTHORIZATION_FAILED', `register the application for ${args.domain} first`);
    const connected: PortalAppState = { ...app, status: 'connected', connectedAt: Date.now() };
    this.setPortalApp(connected);
    return structuredClone(connected);
  }

  /** Client secrets connectPortalApp was given (the call log hides them). */
  readonly secretsReceived: string[] = [];

  /** A portal app changes state, as the core pushes it in the status. */
  setPortalApp(state: PortalAppState): void {
    this.portalApps = [...this.portalApps.filter((p) => p.domain !== state.domain), state];
    this.setStatus({ apps: structuredClone(this.portalApps) });
  }
}
