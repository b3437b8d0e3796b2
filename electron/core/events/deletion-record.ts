/**
 * Builds the stored record of a deletion. The record holds no token: only the fingerprint of the
 * application token's hash.
 */
import { hash as sha } from 'node:crypto';
import type { DeletionRecord } from '../contract.js';
import type { DeletionFields } from './payload.js';
import { Interner } from './interned.js';

/** A record before the store numbers it. */
export type UnsequencedRecord = Omit<DeletionRecord, 'seq'>;

/** The de-duplication key: the same deletion reported twice has the same id. */
export function deletionId(portal: string, event: string, itemId: number, entityTypeId: number, sentAt: number): string {
  return sha('sha256', `${portal}\n${event}\n${itemId}\n${entityTypeId}\n${sentAt}`, 'base64url').slice(0, 22);
}

/** One table per field, so each one's last-value shortcut holds (see Interner.of). */
const shared = { event: new Interner(), portal: new Interner(), memberId: new Interner(), endpoint: new Interner() };

/** Assembles a record from validated fields (recurring strings shared between records: interned.ts). */
export function buildRecord(
  event: string,
  handlerId: number | null,
  fields: DeletionFields,
  tokenFp: string,
  receivedAt: number,
): UnsequencedRecord {
  return {
    id: deletionId(fields.portal, event, fields.itemId, fields.entityTypeId, fields.sentAt),
    event: shared.event.of(event),
    handlerId,
    itemId: fields.itemId,
    entityTypeId: fields.entityTypeId,
    sentAt: fields.sentAt,
    receivedAt,
    portal: shared.portal.of(fields.portal),
    memberId: shared.memberId.ofNullable(fields.memberId),
    clientEndpoint: shared.endpoint.ofNullable(fields.clientEndpoint),
    byUser: fields.byUser,
    userId: fields.userId,
    tokenFp,
  };
}
