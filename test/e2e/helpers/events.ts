/**
 * Deletion events as Bitrix24 sends them (outgoing webhook / application event handler), in the
 * form encoding the portal uses and in the JSON the docs show.
 */
import { formToJson } from '../../helpers/fixtures.js';

/** The deletion event of each fixed entity type; other types are dynamic items (smart processes, invoices). */
const FIXED_EVENTS: Readonly<Record<number, string>> = {
  1: 'ONCRMLEADDELETE',
  2: 'ONCRMDEALDELETE',
  3: 'ONCRMCONTACTDELETE',
  4: 'ONCRMCOMPANYDELETE',
  7: 'ONCRMQUOTEDELETE',
};

export interface DeletionSpec {
  entityTypeId: number;
  itemId: number;
  portal: string;
  memberId: string;
  /** Seconds since the epoch (`ts`). */
  ts: number;
  token: string;
  /** `auth[user_id]`: the deletion was made by this user (OAuth tokens present). */
  userId?: number;
  handlerId?: number;
}

/** The event name Bitrix24 sends for a deletion of this entity type. */
export function eventFor(entityTypeId: number): string {
  return FIXED_EVENTS[entityTypeId] ?? 'ONCRMDYNAMICITEMDELETE';
}

/** A form-encoded (`application/x-www-form-urlencoded`) deletion event. */
export function deletionForm(spec: DeletionSpec): string {
  const event = eventFor(spec.entityTypeId);
  const p = new URLSearchParams();
  p.set('event', event);
  p.set('event_handler_id', String(spec.handlerId ?? 6));
  p.set('data[FIELDS][ID]', String(spec.itemId));
  if (event === 'ONCRMDYNAMICITEMDELETE') p.set('data[FIELDS][ENTITY_TYPE_ID]', String(spec.entityTypeId));
  p.set('ts', String(spec.ts));
  if (spec.userId !== undefined) {
    // Made-up OAuth tokens: the core must drop them (and the page must never show them).
    p.set('auth[access_token]', 'e2eaccess0000000000000000000000');
    p.set('auth[expires_in]', '3600');
  }
  p.set('auth[scope]', 'crm');
  p.set('auth[domain]', spec.portal);
  p.set('auth[server_endpoint]', 'https://oauth.bitrix.info/rest/');
  p.set('auth[status]', 'L');
  p.set('auth[client_endpoint]', `https://${spec.portal}/rest/`);
  p.set('auth[member_id]', spec.memberId);
  if (spec.userId !== undefined) {
    p.set('auth[refresh_token]', 'e2erefresh000000000000000000000');
    p.set('auth[user_id]', String(spec.userId));
  }
  p.set('auth[application_token]', spec.token);
  return p.toString();
}

/** The same event as JSON (every value a string, as the docs show it). */
export function deletionJson(spec: DeletionSpec): string {
  return formToJson(deletionForm(spec));
}

/** Made-up OAuth tokens that deletionForm puts in events made by a user. */
export const E2E_OAUTH_TOKENS = ['e2eaccess0000000000000000000000', 'e2erefresh000000000000000000000'];
