/**
 * A fake Bitrix24 portal and its OAuth server, on 127.0.0.1, for tests of application mode.
 *
 * It speaks the documented shapes (shared/BITRIX24.md, "Application mode"):
 * - OAuth `/oauth/token/` (GET query or POST form): `refresh_token` grant with one-time refresh tokens,
 *   `authorization_code` grant, `invalid_grant`, `invalid_client`. On its own port: the install's
 *   `server_endpoint` names it, as `oauth.bitrix.info` is named for a real portal.
 * - REST `/rest/{method}` and `/rest/{method}.json` (GET, POST form or JSON; token as `auth` or Bearer):
 *   `{result, time, total?, next?}` or `{error, error_description}`; 401 `expired_token` / `NO_AUTH_FOUND`
 *   / `invalid_token`; 503 `QUERY_LIMIT_EXCEEDED` from a leaky bucket (burst 50, 2/s; configurable).
 * - Methods: `app.info`, `batch`, `event.bind` / `event.get` / `event.unbind`, `event.offline.get` /
 *   `event.offline.clear`, `feature.get`, `user.get`, `crm.enum.ownertype`, `crm.item.list` /
 *   `crm.item.get` over generated CRM items (`generateItems`; camelCase like the real API, 50 a page).
 * - `addItem()` / `updateItem()` / `removeItem()` change an item and send the matching ONCRM…ADD /
 *   …UPDATE / …DELETE event (ids only) online and to the offline queue, as the portal does.
 * - `deleteItem()` posts the deletion, encoded like PHP's `http_build_query`, to every online handler of
 *   the event (a tunnel URL is reached on 127.0.0.1 with its Host header), and queues it for offline
 *   bindings (one row per MESSAGE_ID = md5 of name and data). `install()` / `uninstall()` post
 *   `ONAPPINSTALL` / `ONAPPUNINSTALL` as the portal does.
 * Every request it receives is recorded in `requests`; every token it issues in `issuedSecrets`.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';
import { httpBuildQuery, type PhpValue } from './php-form.js';

export interface FakeUser {
  NAME: string;
  LAST_NAME: string;
  SECOND_NAME?: string;
  WORK_POSITION?: string;
}

export interface FakePortalOptions {
  clientId?: string;
  clientSecret?: string;
  /** Leaky bucket per portal; null turns limits off. Default burst 50, 2 requests/s. */
  limits?: { burst: number; perSecond: number } | null;
  /** The plan feature `rest_offline_extended` (reserve with clear=0). Default true. */
  offlineExtended?: boolean;
  users?: Record<number, FakeUser>;
  ownerTypes?: { ID: number; NAME: string; SYMBOL_CODE: string }[];
  /** Refuse `event.bind` of handlers on any host but this one (older portals: ERROR_HANDLER_URL_MATCH). */
  handlerHostOnly?: string;
  /** The portal's member_id (default random; screenshots show it). */
  memberId?: string;
  /** Fixed ports for the portal and the OAuth server (screenshots show the portal's address); default any. */
  ports?: { portal: number; oauth: number };
}

/** A CRM item as `crm.item.list` answers it (camelCase); contacts carry names instead of a title. */
export interface FakeItem {
  id: number;
  title?: string;
  name?: string;
  lastName?: string;
  assignedById: number;
  opportunity?: number;
  currencyId?: string;
  updatedTime: string;
}

/** Event name parts per fixed type (`ONCRM<PART>ADD`); other types are dynamic items. */
const TYPE_EVENT_PART: Record<number, string> = { 1: 'LEAD', 2: 'DEAL', 3: 'CONTACT', 4: 'COMPANY', 7: 'QUOTE' };

/** The event the portal sends when an item of the type is added, updated or deleted. */
export function itemEventName(entityTypeId: number, action: 'ADD' | 'UPDATE' | 'DELETE'): string {
  const part = TYPE_EVENT_PART[entityTypeId];
  return part ? `ONCRM${part}${action}` : `ONCRMDYNAMICITEM${action}`;
}

const portalTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** A generated item of a type: contacts have names, companies and contacts no amount. */
export function fakeItem(entityTypeId: number, id: number, assignedById = 1, updatedAt = Date.now()): FakeItem {
  const item: FakeItem = { id, assignedById, updatedTime: portalTime(updatedAt) };
  if (entityTypeId === 3) Object.assign(item, { name: `Contact`, lastName: `No ${id}` });
  else item.title = `${TYPE_EVENT_PART[entityTypeId] ?? `Item ${entityTypeId}`} #${id}`;
  if (entityTypeId !== 3 && entityTypeId !== 4) Object.assign(item, { opportunity: (id % 1000) * 10 + 0.5, currencyId: id % 2 ? 'USD' : 'RUB' });
  return item;
}

export interface RecordedRequest {
  server: 'portal' | 'oauth';
  httpMethod: string;
  path: string;
  /** REST method (`app.info`), `oauth/token`, or the raw path. */
  method: string;
  params: Record<string, unknown>;
  status: number;
  at: number;
}

export interface Binding {
  event: string;
  handler: string;
  eventType: 'online' | 'offline';
  authType: number;
}

export interface OfflineRow {
  ID: number;
  TIMESTAMP_X: string;
  EVENT_NAME: string;
  EVENT_DATA: Record<string, unknown>;
  EVENT_ADDITIONAL: { user_id?: string };
  MESSAGE_ID: string;
  processId: string | null;
}

export interface Delivery {
  url: string;
  event: string;
  status: number | null;
  error: string | null;
}

class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
  ) {
    super(description);
  }
}

const DEFAULT_OWNER_TYPES = [
  { ID: 1, NAME: 'Lead', SYMBOL_CODE: 'LEAD' },
  { ID: 2, NAME: 'Deal', SYMBOL_CODE: 'DEAL' },
  { ID: 3, NAME: 'Contact', SYMBOL_CODE: 'CONTACT' },
  { ID: 4, NAME: 'Company', SYMBOL_CODE: 'COMPANY' },
  { ID: 7, NAME: 'Estimate', SYMBOL_CODE: 'QUOTE' },
  { ID: 31, NAME: 'Invoice', SYMBOL_CODE: 'SMART_INVOICE' },
  { ID: 1038, NAME: 'Equipment purchase', SYMBOL_CODE: 'DYNAMIC_1038' },
];

const token = (): string => randomBytes(35).toString('hex'); // ~70 characters, like real tokens
const appToken = (): string => Array.from(randomBytes(32), (b) => '0123456789abcdefghijklmnopqrstuvwxyz'[b % 36]).join('');

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: http.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** POSTs a form body to `url`, connecting to 127.0.0.1 on the URL's port with the URL's Host. */
export function postForm(url: string, body: string, timeoutMs = 10_000): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: Number(target.port || 80),
        method: 'POST',
        path: target.pathname + target.search,
        headers: { Host: target.host, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'Bitrix24 Webhook Engine' },
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

export class FakeBitrix24Portal {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly memberId: string;
  /** Set at install; what every event of the app carries. */
  applicationToken = appToken();
  installed = false;
  limits: { burst: number; perSecond: number } | null;
  offlineExtended: boolean;
  handlerHostOnly: string | null;
  users: Record<number, FakeUser>;
  ownerTypes: { ID: number; NAME: string; SYMBOL_CODE: string }[];
  readonly requests: RecordedRequest[] = [];
  readonly deliveries: Delivery[] = [];
  readonly bindings: Binding[] = [];
  readonly offlineQueue: OfflineRow[] = [];
  /** Every access token, refresh token, code and application token issued: none may reach the monitor's disk. */
  readonly issuedSecrets = new Set<string>();
  /** Successful `refresh_token` grants. */
  refreshCount = 0;
  /** Delay before the OAuth server answers (to widen races in tests). */
  oauthDelayMs = 0;
  /** Delay before REST answers (a slow portal). */
  restDelayMs = 0;
  /** The app's handler path as entered in the portal's form: where /oauth/authorize/ redirects. */
  appHandlerUrl = 'https://monitor.example/handler';

  private readonly access = new Map<string, { expiresAt: number; userId: number }>();
  private readonly refresh = new Map<string, { userId: number }>();
  private readonly codes = new Map<string, { userId: number; expiresAt: number }>();
  private bucket = { level: 0, at: Date.now() };
  private nextRowId = 1;
  /** Methods that fail their next calls (inside `batch` too): count left and the error. */
  private readonly faults = new Map<string, { left: number; status: number; code: string }>();
  /** CRM items per type, ascending by id, and by id. */
  private readonly items = new Map<number, { list: FakeItem[]; byId: Map<number, FakeItem> }>();

  private constructor(
    private readonly portalServer: http.Server,
    private readonly oauthServer: http.Server,
    readonly port: number,
    readonly oauthPort: number,
    options: FakePortalOptions,
  ) {
    this.memberId = options.memberId ?? randomBytes(16).toString('hex');
    this.clientId = options.clientId ?? `local.${randomBytes(7).toString('hex')}.${Date.now() % 100_000_000}`;
    this.clientSecret = options.clientSecret ?? randomBytes(25).toString('base64url');
    this.limits = options.limits === undefined ? { burst: 50, perSecond: 2 } : options.limits;
    this.offlineExtended = options.offlineExtended ?? true;
    this.handlerHostOnly = options.handlerHostOnly ?? null;
    this.users = options.users ?? { 1: { NAME: 'Anna', LAST_NAME: 'Admin' }, 7: { NAME: 'Ivan', LAST_NAME: 'Petrov' } };
    this.ownerTypes = options.ownerTypes ?? DEFAULT_OWNER_TYPES;
    this.issuedSecrets.add(this.clientSecret);
  }

  static async start(options: FakePortalOptions = {}): Promise<FakeBitrix24Portal> {
    let self: FakeBitrix24Portal | null = null;
    const portalServer = http.createServer((req, res) => void self!.onPortal(req, res));
    const oauthServer = http.createServer((req, res) => void self!.onOauth(req, res));
    const [port, oauthPort] = await Promise.all([listen(portalServer, options.ports?.portal), listen(oauthServer, options.ports?.oauth)]);
    self = new FakeBitrix24Portal(portalServer, oauthServer, port, oauthPort, options);
    return self;
  }

  /** `127.0.0.1:PORT`: what `auth[domain]` says and `--app` takes. */
  get domain(): string {
    return `127.0.0.1:${this.port}`;
  }
  get clientEndpoint(): string {
    return `http://127.0.0.1:${this.port}/rest/`;
  }
  get serverEndpoint(): string {
    return `http://127.0.0.1:${this.oauthPort}/rest/`;
  }

  async close(): Promise<void> {
    for (const server of [this.portalServer, this.oauthServer]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** REST requests by method name (batch sub-calls are not separate requests). */
  calls(method: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  // ---- CRM items ---------------------------------------------------------------------------------

  private itemsOf(entityTypeId: number): { list: FakeItem[]; byId: Map<number, FakeItem> } {
    let items = this.items.get(entityTypeId);
    if (!items) this.items.set(entityTypeId, (items = { list: [], byId: new Map() }));
    return items;
  }

  /**
   * Generates `count` items of a type after its highest id, leaving a gap of `gap` ids after every
   * `gapEvery` items (ids of deleted items, as on a real portal). Returns the ids.
   */
  generateItems(entityTypeId: number, count: number, options: { gapEvery?: number; gap?: number; users?: number[] } = {}): number[] {
    const items = this.itemsOf(entityTypeId);
    const users = options.users ?? [1, 7];
    let id = items.list.length ? items.list[items.list.length - 1]!.id : 0;
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      id += 1 + (options.gapEvery && i > 0 && i % options.gapEvery === 0 ? (options.gap ?? 3) : 0);
      const item = fakeItem(entityTypeId, id, users[i % users.length]!);
      items.list.push(item);
      items.byId.set(id, item);
      ids.push(id);
    }
    return ids;
  }

  /** The next `count` calls of `method` fail with `code` (a limit, by default). */
  failNext(method: string, count: number, code = 'QUERY_LIMIT_EXCEEDED', status = 503): void {
    this.faults.set(method, { left: count, status, code });
  }

  /** The item as the portal holds it now. */
  item(entityTypeId: number, id: number): FakeItem | undefined {
    return this.items.get(entityTypeId)?.byId.get(id);
  }

  itemCount(entityTypeId: number): number {
    return this.items.get(entityTypeId)?.list.length ?? 0;
  }

  /** A user adds an item: stored, then ONCRM…ADD sent online and queued offline. */
  async addItem(entityTypeId: number, fields: Partial<FakeItem> = {}, userId: number | null = 1): Promise<{ id: number; online: Delivery[] }> {
    const [id] = this.generateItems(entityTypeId, 1);
    Object.assign(this.item(entityTypeId, id!)!, fields, { id });
    const sent = await this.sendItemEvent(itemEventName(entityTypeId, 'ADD'), entityTypeId, id!, userId);
    return { id: id!, online: sent.online };
  }

  /** A user edits an item (rename, amount, responsible): ONCRM…UPDATE follows, ids only. */
  async updateItem(entityTypeId: number, id: number, patch: Partial<FakeItem>, userId: number | null = 1): Promise<{ online: Delivery[]; queued: boolean }> {
    const item = this.item(entityTypeId, id);
    if (!item) throw new Error(`no item ${id} of type ${entityTypeId}`);
    Object.assign(item, patch, { id, updatedTime: portalTime(Date.now()) });
    return this.sendItemEvent(itemEventName(entityTypeId, 'UPDATE'), entityTypeId, id, userId);
  }

  /** A user deletes an item: gone from crm.item.*, then ONCRM…DELETE sent online and queued offline. */
  async removeItem(entityTypeId: number, id: number, userId: number | null = 1): Promise<{ online: Delivery[]; queued: boolean }> {
    this.dropItem(entityTypeId, id);
    return this.sendItemEvent(itemEventName(entityTypeId, 'DELETE'), entityTypeId, id, userId);
  }

  /** Deletes an item without any event (a deletion racing a backfill, seen by no handler). */
  dropItem(entityTypeId: number, id: number): void {
    const items = this.items.get(entityTypeId);
    const item = items?.byId.get(id);
    if (!items || !item) return;
    items.byId.delete(id);
    items.list.splice(this.firstAbove(items.list, id - 1), 1);
  }

  private sendItemEvent(event: string, entityTypeId: number, id: number, userId: number | null): Promise<{ online: Delivery[]; queued: boolean }> {
    return this.deleteItem({ event, id, userId, ...(event.startsWith('ONCRMDYNAMICITEM') && { entityTypeId }) });
  }

  /** Index of the first item with an id above `id`. */
  private firstAbove(list: FakeItem[], id: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.id <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private listItems(params: Record<string, unknown>): { result: unknown; total: number; next?: number } {
    const entityTypeId = Number(params['entityTypeId']);
    if (!this.ownerTypes.some((t) => t.ID === entityTypeId)) throw new RestError(400, 'NOT_FOUND', 'Smart process not found');
    const all = this.items.get(entityTypeId)?.list ?? [];
    const filter = (params['filter'] ?? {}) as Record<string, unknown>;
    const values = (v: unknown): number[] => (Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [v]).map(Number);
    let matches: FakeItem[];
    const ids = filter['@id'] ?? (Array.isArray(filter['id']) || (filter['id'] && typeof filter['id'] === 'object') ? filter['id'] : undefined);
    if (ids !== undefined) {
      const byId = this.items.get(entityTypeId)?.byId;
      matches = [...new Set(values(ids))].sort((a, b) => a - b).flatMap((id) => (byId?.get(id) ? [byId.get(id)!] : []));
    } else if (filter['id'] !== undefined) {
      const one = this.items.get(entityTypeId)?.byId.get(Number(filter['id']));
      matches = one ? [one] : [];
    } else matches = all.slice(filter['>id'] !== undefined ? this.firstAbove(all, Number(filter['>id'])) : 0);
    const order = (params['order'] ?? {}) as Record<string, unknown>;
    if (String(order['id'] ?? 'ASC').toUpperCase() === 'DESC') matches = [...matches].reverse();
    const start = Math.max(0, Number(params['start'] ?? 0) || 0);
    const page = matches.slice(start, start + 50);
    const rawSelect = params['select'];
    const select = rawSelect === undefined ? null : (Array.isArray(rawSelect) ? rawSelect : rawSelect && typeof rawSelect === 'object' ? Object.values(rawSelect) : [rawSelect]).map(String);
    const shaped = page.map((item) => (select && !select.includes('*') ? Object.fromEntries(Object.entries(item).filter(([k]) => select.includes(k))) : { ...item }));
    return { result: { items: shaped }, total: matches.length, ...(start + 50 < matches.length && { next: start + 50 }) };
  }

  // ---- tokens --------------------------------------------------------------------------------

  /** A fresh token pair for a user, as an install or a refresh hands out. */
  issueTokens(userId: number): { access_token: string; refresh_token: string; expires: number; expires_in: number } {
    const access_token = token();
    const refresh_token = token();
    const expiresAt = Date.now() + 3600_000;
    this.access.set(access_token, { expiresAt, userId });
    this.refresh.set(refresh_token, { userId });
    this.issuedSecrets.add(access_token).add(refresh_token);
    return { access_token, refresh_token, expires: Math.floor(expiresAt / 1000), expires_in: 3600 };
  }

  /** Every access token issued so far now answers `expired_token`. */
  expireAccessTokens(): void {
    for (const entry of this.access.values()) entry.expiresAt = 0;
  }

  /** Every refresh token now answers `invalid_grant` (180 days unused, or the app deleted). */
  revokeRefreshTokens(): void {
    this.refresh.clear();
  }

  /** An authorization code (valid 30 s), as the portal puts in its redirect after /oauth/authorize/. */
  authorize(userId = 1): string {
    const code = token();
    this.codes.set(code, { userId, expiresAt: Date.now() + 30_000 });
    this.issuedSecrets.add(code);
    return code;
  }

  private tokenAnswer(userId: number): Record<string, unknown> {
    return {
      ...this.issueTokens(userId),
      scope: 'crm,user_brief',
      domain: `127.0.0.1:${this.oauthPort}`,
      server_endpoint: this.serverEndpoint,
      client_endpoint: this.clientEndpoint,
      member_id: this.memberId,
      user_id: userId,
      status: 'L',
    };
  }

  // ---- events the portal sends -------------------------------------------------------------------

  /**
   * `auth[...]` of an event as the portal sends it: the acting user's fresh tokens, or none when no user
   * acted (automation; the fields are then left out).
   */
  private eventAuth(userId: number | null): Record<string, string | undefined> {
    const tokens = userId === null ? null : this.issueTokens(userId);
    return {
      access_token: tokens?.access_token,
      expires: tokens ? String(tokens.expires) : undefined,
      expires_in: tokens ? '3600' : undefined,
      scope: 'crm,user_brief',
      domain: this.domain,
      server_endpoint: this.serverEndpoint,
      status: 'L',
      client_endpoint: this.clientEndpoint,
      member_id: this.memberId,
      user_id: userId === null ? undefined : String(userId),
      refresh_token: tokens?.refresh_token,
      application_token: this.applicationToken,
    };
  }

  /** The ONAPPINSTALL body as the portal builds it; `overrides` replace `auth[...]` fields (forgeries). */
  installBody(userId = 1, overrides: Record<string, string | undefined> = {}): Record<string, PhpValue> {
    return {
      event: 'ONAPPINSTALL',
      data: { VERSION: '1', ACTIVE: 'Y', INSTALLED: 'Y', LANGUAGE_ID: 'en' },
      ts: String(Math.floor(Date.now() / 1000)),
      auth: { ...this.eventAuth(userId), ...overrides },
    };
  }

  /** Saves the app in the portal: posts ONAPPINSTALL once to `url` (no retries, like the portal). */
  async install(url: string, userId = 1): Promise<Delivery> {
    this.applicationToken = appToken();
    this.issuedSecrets.add(this.applicationToken);
    this.installed = true;
    return this.deliver(url, 'ONAPPINSTALL', httpBuildQuery(this.installBody(userId)));
  }

  /** Deletes the app: posts ONAPPUNINSTALL to its bindings, then forgets bindings, queue and tokens. */
  async uninstall(clean = true): Promise<Delivery[]> {
    const body = httpBuildQuery({
      event: 'ONAPPUNINSTALL',
      data: { LANGUAGE_ID: 'en', CLEAN: clean ? '1' : '0' },
      ts: String(Math.floor(Date.now() / 1000)),
      auth: { domain: this.domain, server_endpoint: this.serverEndpoint, client_endpoint: this.clientEndpoint, member_id: this.memberId, application_token: this.applicationToken },
    });
    const targets = this.bindings.filter((b) => b.event === 'ONAPPUNINSTALL' && b.eventType === 'online');
    const results = await Promise.all(targets.map((b) => this.deliver(b.handler, 'ONAPPUNINSTALL', body)));
    this.installed = false;
    this.bindings.splice(0);
    this.offlineQueue.splice(0);
    this.access.clear();
    this.refresh.clear();
    return results;
  }

  /**
   * A user (or automation, `userId: null`) deletes an item: online handlers of the event get the form
   * post; offline bindings get a queue row (replacing an unread row with the same MESSAGE_ID), then
   * ONOFFLINEEVENT goes to its online handlers.
   */
  async deleteItem(args: { event: string; id: number; entityTypeId?: number; userId?: number | null; ts?: number }): Promise<{ online: Delivery[]; queued: boolean }> {
    const event = args.event.toUpperCase();
    const userId = args.userId === undefined ? 1 : args.userId;
    const ts = args.ts ?? Math.floor(Date.now() / 1000);
    const fields: Record<string, string> = { ID: String(args.id) };
    if (args.entityTypeId !== undefined) fields['ENTITY_TYPE_ID'] = String(args.entityTypeId);
    const online = this.bindings.filter((b) => b.event === event && b.eventType === 'online');
    const deliveries = await Promise.all(
      online.map((binding, index) => {
        const body = httpBuildQuery({
          event,
          event_handler_id: String(100 + index),
          data: { FIELDS: fields },
          ts: String(ts),
          auth: this.eventAuth(userId),
        });
        return this.deliver(binding.handler, event, body);
      }),
    );
    const queued = this.bindings.some((b) => b.event === event && b.eventType === 'offline');
    if (queued) {
      const data = { FIELDS: fields };
      const messageId = createHash('md5').update(event + JSON.stringify(data)).digest('hex');
      const row: OfflineRow = {
        ID: this.nextRowId++,
        TIMESTAMP_X: new Date(ts * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
        EVENT_NAME: event,
        EVENT_DATA: data,
        EVENT_ADDITIONAL: userId === null ? {} : { user_id: String(userId) },
        MESSAGE_ID: messageId,
        processId: null,
      };
      const same = this.offlineQueue.findIndex((r) => r.MESSAGE_ID === messageId && r.processId === null);
      if (same === -1) this.offlineQueue.push(row);
      else this.offlineQueue[same] = row;
      await this.signalOffline();
    }
    return { online: deliveries, queued };
  }

  private async signalOffline(): Promise<void> {
    const body = httpBuildQuery({
      event: 'ONOFFLINEEVENT',
      data: { timestamp: String(Math.floor(Date.now() / 1000)) },
      ts: String(Math.floor(Date.now() / 1000)),
      auth: { domain: this.domain, server_endpoint: this.serverEndpoint, client_endpoint: this.clientEndpoint, member_id: this.memberId, application_token: this.applicationToken },
    });
    const targets = this.bindings.filter((b) => b.event === 'ONOFFLINEEVENT' && b.eventType === 'online');
    await Promise.all(targets.map((b) => this.deliver(b.handler, 'ONOFFLINEEVENT', body)));
  }

  /** Posts one event body; never throws (the portal logs a failure and moves on). */
  async deliver(url: string, event: string, body: string): Promise<Delivery> {
    try {
      const answer = await postForm(url, body);
      const delivery = { url, event, status: answer.status, error: null };
      this.deliveries.push(delivery);
      return delivery;
    } catch (error) {
      const delivery = { url, event, status: null, error: (error as Error).message };
      this.deliveries.push(delivery);
      return delivery;
    }
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async params(req: http.IncomingMessage): Promise<Record<string, unknown>> {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = qs.parse(url.search.slice(1), { depth: 10, arrayLimit: 100 }) as Record<string, unknown>;
    const body = await readBody(req);
    if (!body) return query;
    const type = req.headers['content-type'] ?? '';
    const parsed = type.includes('json') ? (JSON.parse(body) as Record<string, unknown>) : (qs.parse(body, { depth: 10, arrayLimit: 100 }) as Record<string, unknown>);
    return { ...query, ...parsed };
  }

  private async onOauth(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    let params: Record<string, unknown> = {};
    const answer = (status: number, body: unknown): void => {
      this.requests.push({ server: 'oauth', httpMethod: req.method ?? '', path, method: path === '/oauth/token/' ? 'oauth/token' : path, params, status, at: Date.now() });
      this.send(res, status, body);
    };
    try {
      params = await this.params(req);
    } catch {
      return answer(400, { error: 'invalid_request', error_description: 'unreadable' });
    }
    if (this.oauthDelayMs) await new Promise((r) => setTimeout(r, this.oauthDelayMs));
    if (path !== '/oauth/token/') return answer(404, { error: 'not_found', error_description: 'not found' });
    if (params['client_id'] !== this.clientId || params['client_secret'] !== this.clientSecret) {
      return answer(401, { error: 'invalid_client', error_description: 'Invalid client credentials' });
    }
    if (params['grant_type'] === 'refresh_token') {
      const entry = this.refresh.get(String(params['refresh_token']));
      if (!entry) return answer(400, { error: 'invalid_grant', error_description: 'Invalid grant' });
      this.refresh.delete(String(params['refresh_token'])); // one-time
      this.refreshCount++;
      return answer(200, this.tokenAnswer(entry.userId));
    }
    if (params['grant_type'] === 'authorization_code') {
      const code = this.codes.get(String(params['code']));
      this.codes.delete(String(params['code']));
      if (!code || code.expiresAt < Date.now()) return answer(400, { error: 'invalid_grant', error_description: 'Invalid authorization code' });
      this.installed = true;
      return answer(200, this.tokenAnswer(code.userId));
    }
    return answer(400, { error: 'unsupported_grant_type', error_description: 'grant_type' });
  }

  private async onPortal(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const match = /^\/rest\/([a-z0-9_.]+?)(?:\.json)?$/i.exec(path);
    const method = match ? match[1]!.toLowerCase() : path;
    let params: Record<string, unknown> = {};
    const answer = (status: number, body: unknown): void => {
      this.requests.push({ server: 'portal', httpMethod: req.method ?? '', path, method, params, status, at: Date.now() });
      this.send(res, status, body);
    };
    try {
      params = await this.params(req);
    } catch {
      return answer(400, { error: 'INVALID_REQUEST', error_description: 'unreadable request' });
    }
    if (path === '/oauth/authorize/') {
      // The admin is logged in (a fake portal has no login page): redirect to the app with a code.
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      this.requests.push({ server: 'portal', httpMethod: req.method ?? '', path, method: 'oauth/authorize', params: Object.fromEntries(query), status: 302, at: Date.now() });
      if (query.get('client_id') !== this.clientId) return this.send(res, 400, { error: 'invalid_client', error_description: 'unknown client_id' });
      const target = new URL(this.appHandlerUrl);
      for (const [k, v] of Object.entries({ code: this.authorize(1), state: query.get('state') ?? '', domain: this.domain, member_id: this.memberId, scope: 'crm,user_brief', server_domain: `127.0.0.1:${this.oauthPort}` })) target.searchParams.set(k, v);
      res.writeHead(302, { Location: target.toString() });
      res.end();
      return;
    }
    if (!match) return answer(404, { error: 'NOT_FOUND', error_description: 'not found' });
    if (this.restDelayMs) await new Promise((r) => setTimeout(r, this.restDelayMs));
    if (!this.takeFromBucket()) return answer(503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
    const started = Date.now();
    try {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const userId = this.authenticate(typeof params['auth'] === 'string' ? params['auth'] : bearer);
      const { result, total, next } = method === 'batch' ? { ...this.batch(params, userId), total: undefined, next: undefined } : this.call(method, params, userId);
      const time = { start: started / 1000, finish: Date.now() / 1000, duration: (Date.now() - started) / 1000, processing: 0, date_start: new Date(started).toISOString(), date_finish: new Date().toISOString() };
      answer(200, { result, ...(total !== undefined && { total }), ...(next !== undefined && { next }), time });
    } catch (error) {
      if (error instanceof RestError) return answer(error.status, { error: error.code, error_description: error.message });
      answer(500, { error: 'INTERNAL_SERVER_ERROR', error_description: (error as Error).message });
    }
  }

  private takeFromBucket(): boolean {
    if (!this.limits) return true;
    const now = Date.now();
    this.bucket.level = Math.max(0, this.bucket.level - ((now - this.bucket.at) / 1000) * this.limits.perSecond);
    this.bucket.at = now;
    if (this.bucket.level + 1 > this.limits.burst) return false;
    this.bucket.level += 1;
    return true;
  }

  private authenticate(auth: string | undefined): number {
    if (!auth) throw new RestError(401, 'NO_AUTH_FOUND', 'Wrong authorization data');
    const entry = this.access.get(auth);
    if (!entry) throw new RestError(401, 'invalid_token', 'The access token provided is invalid.');
    if (entry.expiresAt <= Date.now()) throw new RestError(401, 'expired_token', 'The access token provided has expired.');
    return entry.userId;
  }

  private batch(params: Record<string, unknown>, userId: number): { result: unknown } {
    const cmd = (params['cmd'] ?? {}) as Record<string, string>;
    const halt = String(params['halt'] ?? '0') === '1';
    const entries = Object.entries(cmd);
    if (entries.length > 50) throw new RestError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded');
    const out = { result: {} as Record<string, unknown>, result_error: {} as Record<string, unknown>, result_total: {} as Record<string, unknown>, result_next: {} as Record<string, unknown>, result_time: {} as Record<string, unknown> };
    for (const [key, command] of entries) {
      const [name, query = ''] = String(command).split('?');
      try {
        const sub = this.call(name!.toLowerCase(), qs.parse(query, { depth: 10, arrayLimit: 100 }) as Record<string, unknown>, userId);
        out.result[key] = sub.result;
        if (sub.total !== undefined) out.result_total[key] = sub.total;
        if (sub.next !== undefined) out.result_next[key] = sub.next;
        out.result_time[key] = { start: Date.now() / 1000 };
      } catch (error) {
        if (!(error instanceof RestError)) throw error;
        out.result_error[key] = { error: error.code, error_description: error.message };
        if (halt) break;
      }
    }
    // An empty PHP array is serialised as [] (a quirk clients must tolerate).
    return { result: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Object.keys(v).length ? v : []])) };
  }

  private call(method: string, params: Record<string, unknown>, _userId: number): { result: unknown; total?: number; next?: number } {
    const fault = this.faults.get(method);
    if (fault && fault.left > 0) {
      fault.left--;
      throw new RestError(fault.status, fault.code, `${method} failed (injected)`);
    }
    switch (method) {
      case 'app.info':
        return { result: { ID: 17, CODE: this.clientId, VERSION: 1, STATUS: 'L', INSTALLED: this.installed, PAYMENT_EXPIRED: 'N', DAYS: null, LICENSE: 'en_project' } };
      case 'feature.get':
        return { result: { value: params['CODE'] === 'rest_offline_extended' && this.offlineExtended ? 'Y' : 'N' } };
      case 'event.bind':
        return { result: this.bind(params) };
      case 'event.unbind': {
        const event = String(params['event'] ?? '').toUpperCase();
        const type = String(params['event_type'] ?? 'online').toLowerCase();
        const before = this.bindings.length;
        for (let i = this.bindings.length - 1; i >= 0; i--) {
          const b = this.bindings[i]!;
          if (b.event === event && b.eventType === type && (type === 'offline' || params['handler'] === undefined || b.handler === params['handler'])) this.bindings.splice(i, 1);
        }
        return { result: { count: before - this.bindings.length } };
      }
      case 'event.get':
        return { result: this.bindings.map((b) => ({ event: b.event, handler: b.handler, auth_type: String(b.authType), offline: b.eventType === 'offline' ? 1 : 0 })) };
      case 'event.offline.get':
        return { result: this.offlineGet(params) };
      case 'event.offline.clear':
        return { result: this.offlineClear(params) };
      case 'user.get': {
        const filter = (params['FILTER'] ?? params['filter'] ?? {}) as Record<string, unknown>;
        const raw = params['ID'] ?? params['id'] ?? filter['ID'];
        const ids = (Array.isArray(raw) ? raw : raw === undefined ? Object.keys(this.users) : [raw]).map(Number);
        const result = ids.filter((id) => this.users[id]).map((id) => ({ ID: String(id), ACTIVE: true, ...this.users[id] }));
        return { result, total: result.length };
      }
      case 'crm.enum.ownertype':
        return { result: this.ownerTypes };
      case 'crm.item.list':
        return this.listItems(params);
      case 'crm.item.get': {
        const item = this.items.get(Number(params['entityTypeId']))?.byId.get(Number(params['id']));
        if (!item) throw new RestError(400, 'NOT_FOUND', 'Element not found');
        return { result: { item: { ...item } } };
      }
      default:
        throw new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
    }
  }

  private bind(params: Record<string, unknown>): boolean {
    const event = String(params['event'] ?? '').toUpperCase();
    const eventType = String(params['event_type'] ?? 'online').toLowerCase() === 'offline' ? 'offline' : 'online';
    const handler = String(params['handler'] ?? '');
    if (!event) throw new RestError(400, 'ERROR_EVENT_NOT_FOUND', 'Event not found');
    if (eventType === 'online') {
      let url: URL;
      try {
        url = new URL(handler);
      } catch {
        throw new RestError(400, 'ERROR_HANDLER_URL_MATCH', 'Wrong handler URL');
      }
      if (!/^https?:$/.test(url.protocol) || handler.length > 255) throw new RestError(400, 'ERROR_HANDLER_URL_MATCH', 'Wrong handler URL');
      if (this.handlerHostOnly && url.host !== this.handlerHostOnly) throw new RestError(400, 'ERROR_HANDLER_URL_MATCH', 'Wrong handler URL host');
    }
    const same = this.bindings.find((b) => b.event === event && b.eventType === eventType && (eventType === 'offline' || b.handler === handler));
    if (same) throw new RestError(400, 'ERROR_CORE', 'Handler already binded');
    this.bindings.push({ event, handler: eventType === 'offline' ? '' : handler, eventType, authType: Number(params['auth_type'] ?? 0) });
    return true;
  }

  private offlineGet(params: Record<string, unknown>): { process_id: string; events: unknown[] } {
    const limit = Math.min(50, Math.max(1, Number(params['limit'] ?? 50)));
    const clear = String(params['clear'] ?? '1') !== '0' || !this.offlineExtended;
    const processId = typeof params['process_id'] === 'string' && params['process_id'] ? params['process_id'] : randomBytes(16).toString('hex');
    const rows = this.offlineQueue.filter((r) => r.processId === null || r.processId === processId).slice(0, limit);
    for (const row of rows) row.processId = processId;
    if (clear) for (const row of rows) this.offlineQueue.splice(this.offlineQueue.indexOf(row), 1);
    const events = rows.map(({ processId: _p, ...row }) => ({ ...row, ID: String(row.ID) }));
    return { process_id: processId, events };
  }

  private offlineClear(params: Record<string, unknown>): boolean {
    const processId = String(params['process_id'] ?? '');
    if (!processId) throw new RestError(400, 'ERROR_WRONG_PROCESS_ID', 'process_id is required');
    const ids = params['id'] === undefined ? null : new Set((Array.isArray(params['id']) ? params['id'] : Object.values(params['id'] as object)).map(String));
    const messages = params['message_id'] === undefined ? null : new Set((Array.isArray(params['message_id']) ? params['message_id'] : Object.values(params['message_id'] as object)).map(String));
    for (let i = this.offlineQueue.length - 1; i >= 0; i--) {
      const row = this.offlineQueue[i]!;
      if (row.processId !== processId) continue;
      if ((ids && !ids.has(String(row.ID))) || (messages && !messages.has(row.MESSAGE_ID))) continue;
      this.offlineQueue.splice(i, 1);
    }
    return true;
  }
}
