/**
 * Handlers that follow the public URL: `event.get`, then `event.bind` of what is missing (the deletion
 * family and its add/update events online to the current URL and offline, plus ONAPPUNINSTALL and ONOFFLINEEVENT online), and only
 * then `event.unbind` of this app's online handlers on other URLs, so the portal is never left without
 * a handler. Binds and unbinds go in batches (one request each for the whole set).
 */
import { DELETION_EVENTS } from '../events/bitrix-events.js';
import { ITEM_CHANGE_EVENT_NAMES } from './item-snapshots.js';
import type { RestClient } from './rest-client.js';

/** Online events bound to the handler URL (the add/update events feed the item snapshots). */
export const ONLINE_EVENTS: readonly string[] = [...DELETION_EVENTS, ...ITEM_CHANGE_EVENT_NAMES, 'ONAPPUNINSTALL', 'ONOFFLINEEVENT'];
/** Events queued on the portal while the monitor is away. */
export const OFFLINE_EVENTS: readonly string[] = [...DELETION_EVENTS, ...ITEM_CHANGE_EVENT_NAMES];

export interface BindingSummary {
  bound: number;
  unbound: number;
  /** The portal refused a handler on this URL (ERROR_HANDLER_URL_MATCH): the offline queue alone carries events. */
  handlerRefused: boolean;
}

interface BoundHandler {
  event: string;
  handler: string;
  offline: boolean;
}

function readBindings(result: unknown): BoundHandler[] {
  if (!Array.isArray(result)) return [];
  return result.flatMap((row: unknown) => {
    if (!row || typeof row !== 'object') return [];
    const r = row as Record<string, unknown>;
    if (typeof r['event'] !== 'string') return [];
    return [{ event: r['event'].toUpperCase(), handler: typeof r['handler'] === 'string' ? r['handler'] : '', offline: String(r['offline'] ?? '0') === '1' }];
  });
}

async function runInBatches(rest: RestClient, commands: [string, Record<string, unknown>][]): Promise<{ ok: number; errors: { error: string; error_description: string }[] }> {
  let ok = 0;
  const errors: { error: string; error_description: string }[] = [];
  for (let i = 0; i < commands.length; i += 50) {
    const chunk = commands.slice(i, i + 50);
    const answer = await rest.batch(Object.fromEntries(chunk.map((c, j) => [`c${j}`, c])));
    for (let j = 0; j < chunk.length; j++) {
      const error = answer.errors[`c${j}`];
      if (error) errors.push(error);
      else ok++;
    }
  }
  return { ok, errors };
}

/** Brings the portal's bindings of this app in line with `handlerUrl` (null: no public URL now; online handlers are left alone). */
export async function syncBindings(rest: RestClient, handlerUrl: string | null): Promise<BindingSummary> {
  const current = readBindings((await rest.call('event.get')).result);
  const has = (event: string, offline: boolean, handler: string): boolean =>
    current.some((b) => b.event === event && b.offline === offline && (offline || b.handler === handler));

  const binds: [string, Record<string, unknown>][] = [];
  for (const event of OFFLINE_EVENTS) if (!has(event, true, '')) binds.push(['event.bind', { event, event_type: 'offline' }]);
  if (handlerUrl) for (const event of ONLINE_EVENTS) if (!has(event, false, handlerUrl)) binds.push(['event.bind', { event, handler: handlerUrl, event_type: 'online' }]);
  const bound = await runInBatches(rest, binds);
  const handlerRefused = bound.errors.some((e) => e.error === 'ERROR_HANDLER_URL_MATCH');
  const unexpected = bound.errors.filter((e) => e.error !== 'ERROR_HANDLER_URL_MATCH' && !(e.error === 'ERROR_CORE' && /already binded/i.test(e.error_description)));
  if (unexpected.length > 0) throw new Error(`event.bind failed: ${unexpected[0]!.error} ${unexpected[0]!.error_description}`);

  let unbound = 0;
  if (handlerUrl && !handlerRefused) {
    const stale = current.filter((b) => !b.offline && b.handler !== handlerUrl);
    const result = await runInBatches(rest, stale.map((b) => ['event.unbind', { event: b.event, handler: b.handler, event_type: 'online' }]));
    unbound = result.ok;
  }
  return { bound: bound.ok, unbound, handlerRefused };
}
