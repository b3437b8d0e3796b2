/**
 * The sample deletion behind "send a test event": a real form-encoded body, as the portal would send
 * it, from a reserved portal name so it is never mistaken for a deletion on the user's portal.
 */

import { SELF_TEST_PORTAL } from './contract.js';

export { SELF_TEST_PORTAL };

/** A form body of an ONCRMDYNAMICITEMDELETE event for `itemId`, vouched for by `token`. */
export function sampleDeletionBody(itemId: number, token: string): string {
  return new URLSearchParams({
    event: 'ONCRMDYNAMICITEMDELETE',
    event_handler_id: '0',
    'data[FIELDS][ID]': String(itemId),
    'data[FIELDS][ENTITY_TYPE_ID]': '1220',
    ts: String(Math.floor(Date.now() / 1000)),
    'auth[domain]': SELF_TEST_PORTAL,
    'auth[member_id]': 'selftest',
    'auth[application_token]': token,
  }).toString();
}
