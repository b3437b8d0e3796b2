/**
 * The one contract between the UI and the core.
 *
 * Every call the renderer may make, its arguments and result, and every change the core pushes, are
 * described here once. The Electron preload (IPC), the `serve` dashboard (HTTP + SSE) and the renderer
 * client are all typed from these maps; argument schemas live in `contract-schemas.ts`.
 * This file is types only so the renderer can import it without pulling in Node code.
 */

/**
 * The portal of the deletions "Send a test event" posts (`.invalid` is reserved: no real portal has it).
 * They are stored like any other, shown marked as tests, and left out of counts, queries and exports
 * unless a filter asks for them (`includeTests`).
 */
export const SELF_TEST_PORTAL = 'self-test.invalid';

/** True for a deletion that "Send a test event" made. */
export function isTestDeletion(record: Pick<DeletionRecord, 'portal'>): boolean {
  return record.portal === SELF_TEST_PORTAL;
}

/** One CRM deletion as stored. Times are milliseconds since the Unix epoch (UTC). */
export interface DeletionRecord {
  /** Stable identity: a hash of (portal, event, item id, entity type id, ts); the de-duplication key. */
  id: string;
  /** Store-wide sequence number: later arrivals have larger numbers. */
  seq: number;
  /** Upper-case event name, e.g. `ONCRMDYNAMICITEMDELETE` or `ONCRMDYNAMICITEMDELETE_1220`. */
  event: string;
  /** `event_handler_id` on the portal, when sent. */
  handlerId: number | null;
  /** Id of the deleted item. */
  itemId: number;
  /** CRM entity type id (1 lead, 2 deal, 3 contact, 4 company, 5 old invoice, 7 estimate, 31 invoice, ...). */
  entityTypeId: number;
  /** When the portal queued the event (`ts`, whole seconds). */
  sentAt: number;
  /** When the monitor received it. */
  receivedAt: number;
  /** Portal domain, e.g. `example.bitrix24.com`. */
  portal: string;
  memberId: string | null;
  clientEndpoint: string | null;
  /** True when the deletion was made by a user (OAuth tokens were present). */
  byUser: boolean;
  /** `auth[user_id]` when the portal sent it. */
  userId: number | null;
  /** Short fingerprint of the application token that vouched for the event (never the token). */
  tokenFp: string;
  /** Application mode: the acting user's name, joined when read (kept beside the log, never in it). */
  userName?: string;
  /** Application mode: the portal's name of the CRM type (`crm.enum.ownertype`), joined when read. */
  entityTypeName?: string;
  /** Application mode: what the item was just before it was deleted (kept beside the log, joined when read). */
  snapshot?: ItemSnapshot;
}

/**
 * Application mode: the last known state of a CRM item, from its add/update events or the backfill.
 * Frozen beside the deletion's row when the deletion arrives.
 */
export interface ItemSnapshot {
  title: string | null;
  /** `opportunity`, where the type has it. */
  amount: number | null;
  /** `currencyId`, where the type has it. */
  currency: string | null;
  /** `assignedById`. */
  responsibleId: number | null;
  /** The responsible user's name, when application mode knows it (joined when read). */
  responsibleName?: string;
  /** The portal's `updatedTime` of the item (ms), when it sent one. */
  updatedAt: number | null;
  /** When the monitor took this snapshot (ms). */
  takenAt: number;
}

/** Filters shared by the live view, queries and CSV export. All optional; combined with AND. */
export interface DeletionFilter {
  event?: string;
  entityTypeId?: number;
  portal?: string;
  itemId?: number;
  /** Inclusive lower bound on receivedAt (ms). */
  from?: number;
  /** Exclusive upper bound on receivedAt (ms). */
  to?: number;
  /** Include the test deletions of "Send a test event" (left out otherwise). */
  includeTests?: boolean;
}

/** Distinct values in the log, for the filter pickers (test deletions left out). */
export interface Facets {
  portals: string[];
  events: string[];
  entityTypeIds: number[];
  /** The portals' own names of types where application mode knows them, by type id. */
  entityTypeNames?: Record<string, string>;
}

/** What the activity view asks for: the log's filter, and the time zone its days and hours are counted in. */
export interface ActivityQuery {
  filter: DeletionFilter;
  /** IANA time zone of the viewer (e.g. `Europe/Moscow`); the core's own when absent. */
  timeZone?: string;
}

/** One bar of the activity chart: a local day or hour. */
export interface ActivityBucket {
  /** Inclusive start and exclusive end (ms). */
  start: number;
  end: number;
  /** Deletions in it per entity type, in the order of `Activity.entityTypeIds`. */
  counts: number[];
  total: number;
}

/**
 * Deletions matching a filter over time, stacked by entity type, with the busiest users and portals.
 * Computed by the core from per-segment tallies (never from rows sent to the UI).
 */
export interface Activity {
  /** Hours for a range of three days or less, days otherwise. */
  granularity: 'hour' | 'day';
  /** The range the buckets cover (the filter's, or the matching deletions' when it has none). */
  from: number | null;
  to: number | null;
  /** Entity types that occur, most deletions first: the stacking order of every bucket's `counts`. */
  entityTypeIds: number[];
  /** Deletions per type, in the same order. */
  typeTotals: number[];
  buckets: ActivityBucket[];
  total: number;
  /** The users with the most deletions (at most 10). userId null: automation, or a sender that named no one. */
  topUsers: { portal: string; userId: number | null; userName?: string; count: number }[];
  /** The portals with the most deletions (at most 10). */
  topPortals: { portal: string; count: number }[];
  /** The portals' own names of types where application mode knows them, by type id. */
  entityTypeNames?: Record<string, string>;
  /** The time zone the days and hours are in. */
  timeZone: string;
}

export interface DeletionQuery {
  filter: DeletionFilter;
  /** Rows to skip, newest first. */
  offset: number;
  /** At most 1000. */
  limit: number;
}

export interface DeletionPage {
  /** Number of deletions matching the filter. */
  total: number;
  rows: DeletionRecord[];
}

export type TunnelState =
  | { status: 'off' }
  | { status: 'connecting'; host: string }
  | { status: 'online'; url: string; urlChanged: boolean; previousUrl: string | null; since: number }
  | { status: 'reconnecting'; attempt: number; nextTryAt: number; reason: string }
  | { status: 'failed'; reason: string };

export interface StoreHealth {
  ok: boolean;
  /** Why writes fail, when they do (e.g. `ENOSPC: no space left on device`). */
  error: string | null;
  /** Segments that failed to parse at start and were moved aside. */
  quarantinedFiles: string[];
}

/** A portal connected as a Bitrix24 application, as the UI sees it: never a secret, token or hash. */
export interface PortalAppState {
  /** Portal domain, e.g. `example.bitrix24.com`. */
  domain: string;
  /** The local application's client_id (`local.…`). */
  clientId: string;
  /**
   * install-expected: waiting for ONAPPINSTALL (the admin clicks Save in Bitrix24); connected; reconnect-needed:
   * the refresh token is dead (180 days unused, app deleted); disconnected: uninstalled in Bitrix24.
   */
  status: 'install-expected' | 'connected' | 'reconnect-needed' | 'disconnected';
  statusReason: string | null;
  connectedAt: number | null;
  /** The URL the portal's handlers point at. */
  handlerUrl: string | null;
  /** The portal refused a handler on the current URL: deletions arrive through the offline queue only. */
  handlerRefused: boolean;
  /** When the offline queue was last drained and how many rows it gave. */
  lastDrain: { at: number; rows: number } | null;
  /** The snapshot backfill (crm.item.list over every type of the deletion family), absent before it starts. */
  backfill?: SnapshotBackfillState;
}

/** Progress of one portal's snapshot backfill; it resumes where it stopped after a restart. */
export interface SnapshotBackfillState {
  status: 'running' | 'paused' | 'done' | 'failed';
  /** Items read so far, and the portal's total over all types (null until every type's first page). */
  done: number;
  total: number | null;
  /** Per CRM type: items read and the portal's `total`, and whether the type is finished. */
  types: Array<{ entityTypeId: number; done: number; total: number | null; finished: boolean }>;
  startedAt: number | null;
  finishedAt: number | null;
  /** Why it is paused or failed (a REST error, rate limit back-off), in plain words. */
  reason: string | null;
}

export interface AppStatus {
  /** Local event listener URL, e.g. `http://127.0.0.1:43111/`. */
  eventsUrl: string | null;
  tunnel: TunnelState;
  /**
   * total: deletions in the log; today: received since local midnight; unseen: received since the user
   * last looked (tray badge); ignored: verified non-deletion events; rejected: refused for their token.
   * Test deletions ("Send a test event") count in none of them.
   */
  counts: { total: number; today: number; unseen: number; ignored: number; rejected: number };
  store: StoreHealth;
  dataDir: string;
  version: string;
  /** True when the tunnel is paused by the user for this run. */
  tunnelPaused: boolean;
  /** Application tokens accepted for this run only (`serve --token`): set up without saved tokens. */
  tokensForRun: number;
  /** Portals connected as applications (present when application mode is available). */
  apps?: PortalAppState[];
  /** Mass-deletion alerts raised since the monitor started, newest first (at most 20). */
  alerts: MassDeletionAlert[];
}

/** An accepted application token, as the UI sees it: never the token itself. */
export interface TrustedToken {
  /** Short fingerprint that tells tokens apart. */
  fingerprint: string;
  /** Portal domain it is accepted from, or null for any portal. */
  portal: string | null;
  addedAt: number;
  label: string;
}

export type Language = 'system' | 'en' | 'ru';

/** The mass-deletion rule, and where to tell a team chat (a POST of a short JSON message). */
export interface AlertSettings {
  enabled: boolean;
  /** At least this many deletions by one user (or by automation) on one portal… */
  threshold: number;
  /** …within this many minutes. */
  windowMinutes: number;
  /** https URL (or http on this computer) that gets `{ text, portal, user, count, ... }`; null: none. */
  webhookUrl: string | null;
  /** Per portal (lower-case domain): its own rule, replacing enabled/threshold/windowMinutes above. */
  perPortal?: Record<string, AlertRule>;
}

/** One portal's mass-deletion rule. */
export interface AlertRule {
  enabled: boolean;
  threshold: number;
  windowMinutes: number;
}

/** A burst of deletions by one actor on one portal: one alert per burst, growing while it lasts. */
export interface MassDeletionAlert {
  id: string;
  portal: string;
  /** The acting user, or null when the events named none (automation, or an outgoing webhook). */
  userId: number | null;
  /** Application mode's name of the user, when known. */
  userName?: string;
  count: number;
  /** The portal's times (`sentAt`) of the burst's first and latest deletion. */
  firstAt: number;
  lastAt: number;
  /** When the monitor raised it. */
  raisedAt: number;
  threshold: number;
  windowMinutes: number;
}

export interface Settings {
  /** Event listener port; 0 picks any free port. */
  eventPort: number;
  tunnel: { enabled: boolean; host: string; subdomain: string };
  /** Days of history to keep; null keeps everything. */
  retentionDays: number | null;
  notifications: boolean;
  language: Language;
  autoStart: boolean;
  tokens: TrustedToken[];
  alerts: AlertSettings;
}

/** What the user may change through `updateSettings` (tokens have their own calls). */
export type SettingsPatch = Partial<Omit<Settings, 'tokens' | 'tunnel' | 'alerts'>> & {
  tunnel?: Partial<Settings['tunnel']>;
  alerts?: Partial<AlertSettings>;
};

/** A request refused for an unknown or missing application token, kept redacted. */
export interface QuarantineEntry {
  id: string;
  receivedAt: number;
  portal: string | null;
  event: string;
  /** Fingerprint of the token it carried, or null when it had none. */
  tokenFp: string | null;
  itemId: number | null;
  entityTypeId: number | null;
}

export interface TrustResult {
  fingerprint: string;
  /** Deletions moved from the quarantine into the log. */
  moved: number;
}

export interface TestEventResult {
  /** Where the sample was posted. */
  via: 'tunnel' | 'local';
  status: number;
  /** The stored record, when it arrived. */
  record: DeletionRecord | null;
  /** Milliseconds from post to stored. */
  elapsedMs: number;
}

export interface ExportProgress {
  exportId: string;
  rows: number;
  done: boolean;
  error: string | null;
}

/**
 * Request/response calls. Every result is a Promise; a failure rejects with a `CoreError`-shaped
 * `{ code, message }` that both transports carry unchanged.
 */
export interface CoreCalls {
  getStatus(): Promise<AppStatus>;
  queryDeletions(query: DeletionQuery): Promise<DeletionPage>;
  /** Distinct portals and events in the log, for filter pickers. */
  listFacets(): Promise<Facets>;
  /** Deletions per day (or hour) by entity type, top users and portals, for a filter: the activity view. */
  getActivity(query: ActivityQuery): Promise<Activity>;
  getSettings(): Promise<Settings>;
  updateSettings(patch: SettingsPatch): Promise<Settings>;
  addToken(args: { token: string; portal: string | null; label: string }): Promise<Settings>;
  removeToken(args: { fingerprint: string }): Promise<Settings>;
  listQuarantine(): Promise<QuarantineEntry[]>;
  /** Trust the token a quarantined request carried and move its deletions (and its siblings') into the log. */
  trustQuarantined(args: { id: string; label: string }): Promise<TrustResult>;
  clearQuarantine(): Promise<void>;
  /** Post a sample deletion through the public URL (or the local one without a tunnel) and wait for it. */
  sendTestEvent(): Promise<TestEventResult>;
  /** Write the filtered log as CSV to `path` (Electron: chosen in the save dialog). */
  /** `language`: the CSV's header, yes/no and type names (default en: stable column names for scripts). */
  exportCsv(args: { filter: DeletionFilter; path: string; language?: 'en' | 'ru' }): Promise<{ rows: number; path: string }>;
  /** Pause or resume the tunnel without changing the saved setting. */
  setTunnelPaused(args: { paused: boolean }): Promise<AppStatus>;
  /** Mark everything up to now as seen (tray counter). */
  markSeen(): Promise<void>;
  /** Portals connected as Bitrix24 applications (application mode), with their state. */
  listPortalApps(): Promise<PortalAppState[]>;
  /**
   * Registers a local application's credentials for a portal and waits for its ONAPPINSTALL (posted when
   * the admin clicks Save in Bitrix24). The secret is sealed at rest and never returned.
   */
  connectPortalApp(args: { domain: string; clientId: string; clientSecret: string }): Promise<PortalAppState>;
  /**
   * The install event was missed: the portal's authorization page for a registered application. The
   * desktop app opens it in a window of its own and catches the redirect (`connected` then says how it
   * went); elsewhere the user opens `url` and pastes the address the portal redirected to into
   * `completePortalAppAuthorization`.
   */
  authorizePortalApp(args: { domain: string }): Promise<{ url: string; connected: PortalAppState | null }>;
  /** Finishes the authorization with the address the portal redirected to (it carries `code` and `state`). */
  completePortalAppAuthorization(args: { domain: string; redirected: string }): Promise<PortalAppState>;
}

/** Changes the core pushes to every open view. */
export interface CorePushes {
  /** New deletions, newest last, in the batch they were stored in. */
  deletionsAdded: DeletionRecord[];
  statusChanged: AppStatus;
  settingsChanged: Settings;
  quarantineChanged: QuarantineEntry[];
  exportProgress: ExportProgress;
  /**
   * Application mode learned names (users, types) of a portal: rows already shown may read better now.
   * Pushed after the rows themselves, which never wait for a name.
   */
  namesChanged: { portal: string };
  /** A mass deletion began (pushed once per burst; its growth arrives in the status). */
  massDeletion: MassDeletionAlert;
}

export type CallName = keyof CoreCalls;
export type PushName = keyof CorePushes;
export type CallArgs<N extends CallName> = Parameters<CoreCalls[N]>;
export type CallResult<N extends CallName> = Awaited<ReturnType<CoreCalls[N]>>;

/** Error shape carried across IPC and HTTP. */
export interface CoreErrorShape {
  code: string;
  message: string;
}

/** Every call name, for transports that register handlers generically. */
export const CALL_NAMES = [
  'getStatus',
  'queryDeletions',
  'listFacets',
  'getActivity',
  'getSettings',
  'updateSettings',
  'addToken',
  'removeToken',
  'listQuarantine',
  'trustQuarantined',
  'clearQuarantine',
  'sendTestEvent',
  'exportCsv',
  'setTunnelPaused',
  'markSeen',
  'listPortalApps',
  'connectPortalApp',
  'authorizePortalApp',
  'completePortalAppAuthorization',
] as const satisfies readonly CallName[];

export const PUSH_NAMES = [
  'deletionsAdded',
  'statusChanged',
  'settingsChanged',
  'quarantineChanged',
  'exportProgress',
  'namesChanged',
  'massDeletion',
] as const satisfies readonly PushName[];

/** The API the renderer sees (window.monitor in Electron, an HTTP client in the dashboard). */
export type MonitorApi = CoreCalls & {
  on<P extends PushName>(name: P, listener: (payload: CorePushes[P]) => void): () => void;
  /** Which transport serves this API; the dashboard cannot open native dialogs. */
  readonly transport: 'ipc' | 'http';
};

/**
 * The dashboard transport of `serve` (HTTP + Server-Sent Events on a loopback port, never tunnelled).
 * Every request carries the per-run key in this header; the key reaches the page in the URL fragment.
 */
export const DASHBOARD = {
  keyHeader: 'x-monitor-key',
  /** `POST {callPath}{name}` with JSON `{ args: [...] }` → `{ result }`, or `{ error: CoreErrorShape }`. */
  callPath: '/api/call/',
  /** `GET` → `text/event-stream`; each message is `event: <PushName>` with JSON `data:`. */
  eventsPath: '/api/events',
  /** `POST` JSON `{ filter }` → `text/csv` attachment, streamed (the browser saves it). */
  exportPath: '/api/export',
} as const;
