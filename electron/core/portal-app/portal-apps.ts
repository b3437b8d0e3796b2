/**
 * Application mode, wired: the portal registry, one token keeper and REST client per connected portal,
 * install / uninstall / offline-signal events, bindings that follow the public URL, the offline-queue
 * drain and the name directories. MonitorCore holds one of these; the pipeline sees it only as an
 * `AppEventHandler` (answers at once, never waiting for REST), and the store not at all.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ParsedObject } from '../events/parse-body.js';
import type { UnsequencedRecord } from '../events/deletion-record.js';
import type { AppEventHandler, PipelineAnswer } from '../pipeline/event-pipeline.js';
import { fingerprintOfHash, hashToken, type AcceptedToken } from '../tokens/token-registry.js';
import { describeError, silentLogger, type Logger } from '../util/logger.js';
import { syncBindings } from './bindings.js';
import { exchangeRedirect } from './authorization-code.js';
import { normalizePortalDomain, portalBaseOf, restBaseOf } from './endpoints.js';
import { checkInstall, proveTokens, type InstallClaim } from './install.js';
import { NameDirectory, type JoinedNames } from './name-directory.js';
import { OAuthClient, ReconnectNeededError, TokenKeeper } from './oauth-client.js';
import { drainOffline } from './offline-drain.js';
import { PortalRegistry, describePortal, type PortalAppView, type PortalEntry } from './portal-registry.js';
import { RestClient, type RestClientOptions } from './rest-client.js';
import { SecretBox, type KeyProvider } from './secret-box.js';
import { ITEM_CHANGE_EVENTS, fetchItemsById, itemOfEvent } from './item-snapshots.js';
import { SnapshotBackfill, backfillFile } from './snapshot-backfill.js';
import { SnapshotStore, joinFrozenSnapshots } from './snapshot-store.js';
import type { DeletionRecord, PortalAppState } from '../contract.js';
import { rm } from 'node:fs/promises';

export const APP_EVENTS: ReadonlySet<string> = new Set(['ONAPPINSTALL', 'ONAPPUNINSTALL', 'ONOFFLINEEVENT']);

export interface PortalAppsOptions {
  dataDir: string;
  keys: KeyProvider;
  /** Tests and local development: a portal and OAuth server on http://127.0.0.1:PORT. */
  allowLoopback?: boolean;
  fsync?: boolean;
  log?: Logger;
  /** Keeps a refused request (forged install, wrong token) like the pipeline does. */
  quarantine(tokenHash: string | null, event: string, portal: string | null): void;
  /** Stores a record through the pipeline's path (de-duplication included). */
  store(record: UnsequencedRecord): Promise<PipelineAnswer>;
  /** Accepted tokens or portal states changed. */
  onChange(): void;
  /** Names of a portal's users were fetched: rows shown before may now be read with them. */
  onNames?(portal: string): void;
  /** Offline-queue drain period (default 60 s). */
  drainIntervalMs?: number;
  /** A paused snapshot backfill tries again after this long (default 60 s). */
  backfillRetryMs?: number;
  /** Items named by add/update events are fetched this long after the first one (default 500 ms), together. */
  itemFetchDelayMs?: number;
  rest?: Pick<RestClientOptions, 'perSecond' | 'concurrency' | 'timeoutMs' | 'retries' | 'minBackoffMs'>;
}

interface Live {
  domain: string;
  rest: RestClient;
  keeper: TokenKeeper;
  /** Work for this portal runs one job at a time. */
  chain: Promise<void>;
  drainQueued: boolean;
  syncQueued: boolean;
  reserve: boolean | null;
  backfill: SnapshotBackfill | null;
  backfillQueued: boolean;
}

const ACK: PipelineAnswer = { status: 200, body: { ok: true, stored: false } };
const MAX_PROOFS_PER_PORTAL = 4;

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

function authOf(body: ParsedObject): ParsedObject {
  const auth = body['auth'];
  return auth && typeof auth === 'object' ? auth : (Object.create(null) as ParsedObject);
}

export class PortalApps implements AppEventHandler {
  private readonly live = new Map<string, Live>();
  private readonly proofs = new Map<string, number>();
  private readonly pendingUsers = new Map<string, Set<number>>();
  /** Items named by add/update events, per portal and type, fetched together. */
  private readonly pendingItems = new Map<string, Map<number, Set<number>>>();
  private itemsTimer: NodeJS.Timeout | null = null;
  /** Deletions whose snapshot is frozen one after another (seqs ascend in the frozen files). */
  private freezing: Promise<void> = Promise.resolve();
  private readonly namesPush = new Map<string, NodeJS.Timeout>();
  private readonly backfillTimers = new Set<NodeJS.Timeout>();
  /** Authorization-code fallback: the `state` issued per portal, and when. */
  private readonly authStates = new Map<string, { state: string; at: number }>();
  private handlerUrl: string | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private namesTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly log: Logger;

  private constructor(
    private readonly options: PortalAppsOptions,
    private readonly registry: PortalRegistry,
    private readonly names: NameDirectory,
    readonly snapshots: SnapshotStore,
  ) {
    this.log = options.log ?? silentLogger;
  }

  static async open(options: PortalAppsOptions): Promise<PortalApps> {
    const box = await SecretBox.from(options.keys);
    const registry = await PortalRegistry.open(options.dataDir, box, { fsync: options.fsync, log: options.log });
    const names = await NameDirectory.open(options.dataDir, { fsync: options.fsync, log: options.log });
    const snapshots = await SnapshotStore.open(options.dataDir);
    return new PortalApps(options, registry, names, snapshots);
  }

  /** Registers a portal's app credentials and waits for its ONAPPINSTALL (a connected portal stays connected). */
  async expectInstall(domainInput: string, clientId: string, clientSecret: string): Promise<PortalAppView> {
    const domain = normalizePortalDomain(domainInput, this.options.allowLoopback ?? false);
    if (!domain) throw new Error(`"${domainInput}" is not a portal domain like example.bitrix24.com`);
    if (!/^[\x21-\x7e]{1,200}$/.test(clientId)) throw new Error('the client_id must be 1-200 printable characters');
    if (!/^[\x21-\x7e]{1,200}$/.test(clientSecret)) throw new Error('the client_secret must be 1-200 printable characters');
    const entry = await this.registry.expectInstall(domain, clientId, clientSecret);
    if (entry.status === 'install-expected') this.log.info(`application mode: waiting for ONAPPINSTALL from ${domain} (app ${clientId})`);
    this.options.onChange();
    return describePortal(entry);
  }

  /**
   * Fallback when ONAPPINSTALL was missed: the portal's authorize page for this app (the admin opens it,
   * the portal redirects to the app's handler path with a code valid 30 s). Register the app first.
   */
  authorizeUrl(domainInput: string): string {
    const domain = normalizePortalDomain(domainInput, this.options.allowLoopback ?? false);
    const entry = domain ? this.registry.get(domain) : undefined;
    if (!domain || !entry?.clientSecret) throw new Error(`register the application for ${domainInput} first`);
    const state = randomBytes(16).toString('hex');
    this.authStates.set(domain, { state, at: Date.now() });
    return `${portalBaseOf(domain)}oauth/authorize/?client_id=${encodeURIComponent(entry.clientId)}&state=${state}`;
  }

  /**
   * Finishes the fallback with the address the portal redirected to (pasted back, or caught by the
   * desktop app): checks the state, the portal and the OAuth server it names (one of Bitrix24's), exchanges
   * the code there, proves the tokens with app.info on the configured portal, and connects. Such a portal
   * has no application token (only ONAPPINSTALL carries it), so online events from it could not be
   * verified: it is bound offline only and its deletions come from the queue.
   */
  async connectWithRedirect(domainInput: string, redirected: string): Promise<PortalAppView> {
    const allowLoopback = this.options.allowLoopback ?? false;
    const domain = normalizePortalDomain(domainInput, allowLoopback);
    const entry = domain ? this.registry.get(domain) : undefined;
    const secrets = domain ? this.registry.secrets(domain) : null;
    if (!domain || !entry || !secrets) throw new Error(`register the application for ${domainInput} first`);
    const issued = this.authStates.get(domain);
    this.authStates.delete(domain);
    const { pair: answer, oauthBase, memberId } = await exchangeRedirect({
      domain,
      redirected,
      issuedState: issued && Date.now() - issued.at <= 10 * 60_000 ? issued.state : null,
      clientId: entry.clientId,
      clientSecret: secrets.clientSecret,
      allowLoopback,
      timeoutMs: this.options.rest?.timeoutMs,
    });
    const live = this.live.get(domain);
    this.live.delete(domain);
    live?.rest.clear();
    await this.registry.connect(domain, { pair: answer, oauthBase, memberId, appTokenHash: null });
    await this.registry.setStatus(domain, 'connected', 'connected by authorization code: deletions arrive through the offline queue');
    this.log.info(`application mode: ${domain} connected by authorization code (app ${entry.clientId}); no application token, so the offline queue alone carries deletions`);
    this.options.onChange();
    const connected = this.registry.get(domain)!;
    this.activate(connected);
    return describePortal(connected);
  }

  /** Starts work for connected portals: bindings, a first drain, and the periodic drain. */
  start(): void {
    for (const entry of this.registry.entries) if (entry.status === 'connected') this.activate(entry);
    const period = this.options.drainIntervalMs ?? 60_000;
    this.drainTimer = setInterval(() => {
      for (const live of this.live.values()) this.scheduleDrain(live);
    }, period);
    this.drainTimer.unref();
  }

  /** Stops timers and drops queued REST calls; work in flight is given a moment to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.drainTimer) clearInterval(this.drainTimer);
    if (this.namesTimer) clearTimeout(this.namesTimer);
    if (this.itemsTimer) clearTimeout(this.itemsTimer);
    for (const timer of [...this.namesPush.values(), ...this.backfillTimers]) clearTimeout(timer);
    for (const live of this.live.values()) live.rest.clear();
    const chains = [...this.live.values()].map((l) => l.chain);
    await Promise.race([Promise.all([...chains, this.freezing]), new Promise((r) => setTimeout(r, 3_000).unref())]);
  }

  get portals(): PortalAppState[] {
    return this.registry.entries.map((e) => {
      const backfill = this.live.get(e.domain)?.backfill?.state;
      return backfill ? { ...describePortal(e), backfill } : describePortal(e);
    });
  }

  /** Application tokens of connected portals, as hashes bound to their portal. */
  acceptedTokens(): AcceptedToken[] {
    return this.registry.entries.flatMap((e) => (e.status !== 'disconnected' && e.appTokenHash ? [{ hash: e.appTokenHash, portal: e.domain }] : []));
  }

  /** What `/health` shows: states and drain times, no secrets. */
  health(): Record<string, unknown>[] {
    return this.registry.entries.map((e) => ({
      portal: e.domain,
      status: e.status,
      ...(e.statusReason && { reason: e.statusReason }),
      handlerRefused: e.handlerRefused,
      lastDrainAt: e.lastDrain ? new Date(e.lastDrain.at).toISOString() : null,
      lastDrainRows: e.lastDrain?.rows ?? null,
      ...((): Record<string, unknown> => {
        const b = this.live.get(e.domain)?.backfill?.state;
        return b ? { backfill: { status: b.status, done: b.done, total: b.total, reason: b.reason } } : {};
      })(),
    }));
  }

  /** Adds names to a row read from the log (the record itself is never changed). */
  join<T extends { portal: string; userId: number | null; entityTypeId: number }>(row: T): T & JoinedNames {
    const joined = this.names.join(row);
    if (row.userId !== null && joined.userName === undefined && this.live.has(row.portal)) this.wantUser(row.portal, row.userId);
    return joined;
  }

  /** The portals' names of types, by type id (the first portal that names one), for the filter pickers. */
  typeNames(): Record<string, string> {
    return this.names.typeNames();
  }

  /**
   * Adds the frozen snapshots (and their responsible users' names) to rows read from the log, by seq.
   * Rows without one come back as they were.
   */
  async joinSnapshots<T extends DeletionRecord>(rows: readonly T[]): Promise<T[]> {
    try {
      return await joinFrozenSnapshots(rows, this.snapshots, (portal, userId) => this.join({ portal, userId, entityTypeId: 0 }).userName);
    } catch (error) {
      this.log.warn(`snapshots unreadable: ${describeError(error)}`);
      return [...rows];
    }
  }

  /**
   * New records were stored: fetch the names they need, and freeze the snapshot of each deleted item of
   * an application portal beside its row; both beside the event path.
   */
  noteRecords(records: readonly DeletionRecord[]): void {
    const freeze: DeletionRecord[] = [];
    for (const r of records) {
      if (r.userId !== null && this.live.has(r.portal)) this.wantUser(r.portal, r.userId);
      if (this.registry.get(r.portal)) freeze.push(r);
    }
    if (freeze.length === 0) return;
    this.freezing = this.freezing.then(async () => {
      try {
        const frozen = await this.snapshots.freezeMany(freeze);
        for (const r of freeze) {
          const snapshot = frozen.get(r.seq);
          if (!snapshot) continue;
          if (snapshot.responsibleId !== null && this.live.has(r.portal)) this.wantUser(r.portal, snapshot.responsibleId);
        }
        for (const portal of new Set(freeze.filter((r) => frozen.has(r.seq)).map((r) => r.portal))) this.pushNames(portal);
      } catch (error) {
        this.log.warn(`snapshots: ${freeze.length} deletion(s) not frozen: ${describeError(error)}`);
      }
    });
  }

  /** Rows in view are read again (namesChanged): at most every 300 ms per portal. */
  private pushNames(portal: string): void {
    if (this.namesPush.has(portal) || this.stopped) return;
    const timer = setTimeout(() => {
      this.namesPush.delete(portal);
      this.options.onNames?.(portal);
    }, 300);
    timer.unref();
    this.namesPush.set(portal, timer);
  }

  /** The public URL changed (or went away: null). Bindings follow it. */
  setHandlerUrl(url: string | null): void {
    if (url === this.handlerUrl || url === null) return;
    this.handlerUrl = url;
    for (const live of this.live.values()) this.scheduleSync(live);
  }

  // ---- events from the listener ----------------------------------------------------------------

  handles(event: string): boolean {
    return APP_EVENTS.has(event) || Object.hasOwn(ITEM_CHANGE_EVENTS, event);
  }

  /**
   * Install / uninstall / offline signal; and the add/update events of the deletion family, whose items
   * are fetched for snapshots. Those from a portal not connected here (an outgoing webhook sending
   * updates to the same URL) go back to the pipeline (null), which answers them as before.
   */
  handle(event: string, body: ParsedObject): PipelineAnswer | null {
    if (event === 'ONAPPINSTALL') return this.onInstall(body);
    if (Object.hasOwn(ITEM_CHANGE_EVENTS, event)) return this.onItemChange(event, body);
    const auth = authOf(body);
    const domain = typeof auth['domain'] === 'string' ? auth['domain'].toLowerCase() : null;
    const token = typeof auth['application_token'] === 'string' && auth['application_token'] ? auth['application_token'] : null;
    const hash = token ? hashToken(token) : null;
    const entry = domain ? this.registry.get(domain) : undefined;
    if (!entry || !hash || !entry.appTokenHash || !sameHash(hash, entry.appTokenHash)) {
      this.options.quarantine(hash, event, domain);
      this.logRefusal(`refused: ${event} from ${domain ?? 'unknown portal'} with ${token ? `an unknown application token (${fingerprintOfHash(hash!)})` : 'no application token'}`);
      return { status: 401, body: { error: token ? 'unknown application token' : 'auth[application_token] is missing' } };
    }
    if (event === 'ONAPPUNINSTALL') {
      void this.uninstall(entry.domain);
      return ACK;
    }
    const live = this.live.get(entry.domain);
    if (live) this.scheduleDrain(live);
    return ACK;
  }

  private onItemChange(event: string, body: ParsedObject): PipelineAnswer | null {
    const auth = authOf(body);
    const domain = typeof auth['domain'] === 'string' ? auth['domain'].toLowerCase() : null;
    const token = typeof auth['application_token'] === 'string' && auth['application_token'] ? auth['application_token'] : null;
    const entry = domain ? this.registry.get(domain) : undefined;
    if (!entry || !token || !entry.appTokenHash || !sameHash(hashToken(token), entry.appTokenHash)) return null;
    const item = itemOfEvent(event, body['data']);
    if (item && this.live.has(entry.domain)) this.wantItem(entry.domain, item.entityTypeId, item.id);
    return ACK;
  }

  /** Queues an item for a coalesced `crm.item.list` by id (per portal and type). */
  private wantItem(domain: string, entityTypeId: number, id: number): void {
    let types = this.pendingItems.get(domain);
    if (!types) this.pendingItems.set(domain, (types = new Map()));
    let ids = types.get(entityTypeId);
    if (!ids) types.set(entityTypeId, (ids = new Set()));
    ids.add(id);
    if (this.itemsTimer || this.stopped) return;
    this.itemsTimer = setTimeout(() => {
      this.itemsTimer = null;
      for (const [portal, byType] of this.pendingItems) {
        const live = this.live.get(portal);
        const wanted = new Map([...byType].map(([type, set]) => [type, [...set]]));
        this.pendingItems.delete(portal);
        if (!live) continue;
        this.enqueue(live, async () => {
          const fetched = await fetchItemsById(live.rest, wanted);
          for (const [type, items] of fetched) if (items.length) await this.snapshots.put(portal, type, items);
          const users = [...fetched.values()].flat().flatMap((i) => (i.snapshot.responsibleId === null ? [] : [i.snapshot.responsibleId]));
          for (const user of new Set(users)) this.wantUser(portal, user);
        });
      }
    }, this.options.itemFetchDelayMs ?? 500);
    this.itemsTimer.unref();
  }

  private onInstall(body: ParsedObject): PipelineAnswer {
    const token = authOf(body)['application_token'];
    const hash = typeof token === 'string' && token ? hashToken(token) : null;
    const check = checkInstall(body, (d) => this.registry.get(d)?.status === 'install-expected', this.options.allowLoopback ?? false);
    if (!check.ok) return this.refuseInstall(hash, check.domain, check.reason);
    const inFlight = this.proofs.get(check.claim.domain) ?? 0;
    if (inFlight >= MAX_PROOFS_PER_PORTAL) return this.refuseInstall(hash, check.claim.domain, 'too many installs being checked');
    this.proofs.set(check.claim.domain, inFlight + 1);
    void this.acceptInstall(check.claim, hash!).finally(() => this.proofs.set(check.claim.domain, (this.proofs.get(check.claim.domain) ?? 1) - 1));
    return ACK;
  }

  private refuseInstall(hash: string | null, domain: string | null, reason: string): PipelineAnswer {
    this.options.quarantine(hash, 'ONAPPINSTALL', domain);
    this.logRefusal(`refused: ONAPPINSTALL from ${domain ?? 'unknown portal'}: ${reason}`);
    return { status: 401, body: { error: `install refused: ${reason}` } };
  }

  private refusals = { minute: 0, count: 0 };

  /** At most 20 refusal lines a minute (the listener is public: a flood must not flood the log). */
  private logRefusal(line: string): void {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.refusals.minute) {
      if (this.refusals.count > 20) this.log.warn(`application mode: ${this.refusals.count - 20} more refused request(s) not logged`);
      this.refusals = { minute, count: 0 };
    }
    if (++this.refusals.count <= 20) this.log.warn(line);
  }

  private async acceptInstall(claim: InstallClaim, hash: string): Promise<void> {
    const entry = this.registry.get(claim.domain);
    if (!entry) return;
    let proved = false;
    let why = 'the portal did not confirm the tokens';
    try {
      proved = await proveTokens(claim.domain, claim.pair.accessToken, entry.clientId, { timeoutMs: this.options.rest?.timeoutMs });
    } catch (error) {
      why = `the portal did not confirm the tokens (${describeError(error)})`;
    }
    if (this.stopped) return;
    if (!proved || this.registry.get(claim.domain)?.status !== 'install-expected') {
      this.refuseInstall(hash, claim.domain, proved ? 'the portal is already connected' : why);
      this.options.onChange();
      return;
    }
    try {
      const connected = await this.registry.connect(claim.domain, { pair: claim.pair, oauthBase: claim.oauthBase, memberId: claim.memberId, appTokenHash: hash });
      this.log.info(`application mode: ${claim.domain} connected (app ${connected.clientId})`);
      this.options.onChange();
      this.activate(connected);
    } catch (error) {
      this.log.error(`application mode: ${claim.domain} could not be saved: ${describeError(error)}`);
    }
  }

  private async uninstall(domain: string): Promise<void> {
    const live = this.live.get(domain);
    this.live.delete(domain);
    live?.rest.clear();
    try {
      // The registry changes in memory at once (the write follows): the token stops being accepted now.
      const wiping = this.registry.wipe(domain, 'the application was uninstalled in Bitrix24');
      this.options.onChange();
      await wiping;
      await this.names.forget(domain);
      // Live snapshots and the backfill go with the app; frozen ones stay beside the log's rows.
      await this.snapshots.forgetPortal(domain);
      await rm(backfillFile(this.options.dataDir, domain), { force: true });
      this.log.info(`application mode: ${domain} uninstalled; its tokens and live snapshots are wiped`);
    } catch (error) {
      this.log.error(`application mode: wiping ${domain} failed: ${describeError(error)}`);
    }
    this.options.onChange();
  }

  // ---- per-portal work ---------------------------------------------------------------------------

  private activate(entry: PortalEntry): void {
    if (this.stopped || this.live.has(entry.domain)) return;
    let secrets: ReturnType<PortalRegistry['secrets']>;
    try {
      secrets = this.registry.secrets(entry.domain);
    } catch (error) {
      // A data folder copied without its key, or a key file replaced: the portal must be connected again.
      this.log.error(`application mode: ${entry.domain}: its secrets cannot be opened with this key (${describeError(error)})`);
      void this.reconnectNeeded(entry.domain, 'its secrets cannot be opened with this key');
      return;
    }
    if (!secrets?.pair || !entry.oauthBase) {
      void this.reconnectNeeded(entry.domain, 'no tokens are stored');
      return;
    }
    const domain = entry.domain;
    const keeper = new TokenKeeper({
      pair: secrets.pair,
      oauth: new OAuthClient({ oauthBase: entry.oauthBase, clientId: entry.clientId, clientSecret: secrets.clientSecret, timeoutMs: this.options.rest?.timeoutMs }),
      persist: async (answer) => {
        await this.registry.savePair(domain, answer);
        this.log.info(`application mode: ${domain}: access token renewed (the new pair is stored)`);
      },
      onReconnectNeeded: (reason) => void this.reconnectNeeded(domain, reason),
    });
    const rest = new RestClient({ restBase: restBaseOf(domain), keeper, ...this.options.rest });
    const live: Live = { domain, rest, keeper, chain: Promise.resolve(), drainQueued: false, syncQueued: false, reserve: null, backfill: null, backfillQueued: false };
    this.live.set(domain, live);
    this.scheduleSync(live);
    this.scheduleDrain(live);
    this.enqueue(live, () => this.names.refresh(domain, rest, []).then(() => this.options.onNames?.(domain))); // type names
    this.enqueue(live, async () => {
      live.backfill = await SnapshotBackfill.load({ dataDir: this.options.dataDir, domain, rest, snapshots: this.snapshots, fsync: this.options.fsync, log: this.log });
      rest.onBackoff = (error) => {
        live.backfill?.pause(`the portal asked to slow down (${describeError(error)}); trying again`);
        this.options.onChange();
      };
      this.scheduleBackfill(live);
    });
  }

  /** One backfill batch as a job of the portal's chain (drains and names run between batches). */
  private scheduleBackfill(live: Live): void {
    if (live.backfillQueued || !live.backfill || live.backfill.finished) return;
    live.backfillQueued = true;
    live.chain = live.chain.then(async () => {
      live.backfillQueued = false;
      const backfill = live.backfill;
      if (this.stopped || this.live.get(live.domain) !== live || !backfill) return;
      try {
        // The portal's types are read first (each start: a new smart process starts the backfill again).
        if (!backfill.discovered) await backfill.discoverTypes();
        if (await backfill.step()) this.scheduleBackfill(live);
      } catch (error) {
        if (this.stopped || this.live.get(live.domain) !== live) return;
        const failed = error instanceof ReconnectNeededError;
        backfill.pause(describeError(error), failed);
        this.log.warn(`snapshots: ${live.domain} backfill paused: ${describeError(error)}`);
        if (!failed) {
          const timer = setTimeout(() => {
            this.backfillTimers.delete(timer);
            this.scheduleBackfill(live);
          }, this.options.backfillRetryMs ?? 60_000);
          timer.unref();
          this.backfillTimers.add(timer);
        }
      }
      this.options.onChange();
    });
  }

  private async reconnectNeeded(domain: string, reason: string): Promise<void> {
    this.log.error(`application mode: ${domain} needs to be connected again: ${reason}`);
    this.live.get(domain)?.rest.clear();
    this.live.delete(domain);
    await this.registry.setStatus(domain, 'reconnect-needed', reason).catch(() => undefined);
    this.options.onChange();
  }

  private enqueue(live: Live, job: () => Promise<void>): void {
    live.chain = live.chain.then(async () => {
      if (this.stopped || this.live.get(live.domain) !== live) return;
      try {
        await job();
      } catch (error) {
        if (!(error instanceof ReconnectNeededError)) this.log.warn(`application mode: ${live.domain}: ${describeError(error)}`);
      }
    });
  }

  private scheduleSync(live: Live): void {
    if (live.syncQueued) return;
    live.syncQueued = true;
    this.enqueue(live, async () => {
      live.syncQueued = false;
      // Without the application token (connected by authorization code) online events cannot be verified.
      const url = this.registry.get(live.domain)?.appTokenHash ? this.handlerUrl : null;
      const summary = await syncBindings(live.rest, url);
      const entry = this.registry.get(live.domain);
      await this.registry.patch(live.domain, { handlerUrl: summary.handlerRefused ? (entry?.handlerUrl ?? null) : (url ?? entry?.handlerUrl ?? null), handlerRefused: summary.handlerRefused });
      if (summary.bound || summary.unbound) this.log.info(`application mode: ${live.domain}: handlers ${url ? `follow ${url}` : 'kept (no public URL)'} (${summary.bound} bound, ${summary.unbound} unbound)`);
      if (summary.handlerRefused) this.log.warn(`application mode: ${live.domain} refused a handler on ${url}; deletions arrive through the offline queue only`);
      this.options.onChange();
    });
  }

  private scheduleDrain(live: Live): void {
    if (live.drainQueued) return;
    live.drainQueued = true;
    this.enqueue(live, async () => {
      live.drainQueued = false;
      const entry = this.registry.get(live.domain);
      if (!entry) return;
      if (live.reserve === null) {
        const feature = await live.rest.call<{ value?: unknown }>('feature.get', { CODE: 'rest_offline_extended' });
        live.reserve = feature.result?.value === 'Y';
        if (!live.reserve) this.log.warn(`application mode: ${live.domain}: the plan lacks rest_offline_extended; queued rows are deleted on read`);
      }
      const result = await drainOffline({
        rest: live.rest,
        reserve: live.reserve,
        target: { domain: live.domain, memberId: entry.memberId, clientEndpoint: restBaseOf(live.domain), tokenFp: fingerprintOfHash(entry.appTokenHash ?? hashToken(`oauth:${live.domain}`)) },
        store: (record) => this.options.store(record),
        onOtherRow: (event, data) => {
          const item = itemOfEvent(event, data);
          if (item) this.wantItem(live.domain, item.entityTypeId, item.id);
        },
        processId: entry.offlineProcessId,
        // Kept before rows are stored: if storing fails, the next drain (or the next start) asks for them again.
        onProcessId: (processId) => void this.registry.patch(live.domain, { offlineProcessId: processId }).catch(() => undefined),
      });
      await this.registry.patch(live.domain, { lastDrain: { at: Date.now(), rows: result.rows } });
      if (result.rows) this.log.info(`application mode: ${live.domain}: offline queue gave ${result.rows} row(s): ${result.stored} stored, ${result.duplicates} already in the log, ${result.skipped} skipped`);
      this.options.onChange();
    });
  }

  private wantUser(domain: string, userId: number): void {
    let set = this.pendingUsers.get(domain);
    if (!set) this.pendingUsers.set(domain, (set = new Set()));
    if (set.has(userId) || this.names.staleUsers(domain, [userId]).length === 0) return;
    set.add(userId);
    if (this.namesTimer || this.stopped) return;
    this.namesTimer = setTimeout(() => {
      this.namesTimer = null;
      for (const [portal, ids] of this.pendingUsers) {
        const live = this.live.get(portal);
        const wanted = [...ids];
        ids.clear();
        if (live) this.enqueue(live, () => this.names.refresh(portal, live.rest, wanted).then(() => this.options.onNames?.(portal)));
      }
    }, 300);
    this.namesTimer.unref();
  }
}
