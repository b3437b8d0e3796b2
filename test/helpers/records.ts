import { deletionId, type UnsequencedRecord } from '../../electron/core/events/deletion-record.js';

/** A valid unsequenced record for item `itemId` (receivedAt/sentAt overridable). */
export function makeRecord(itemId: number, overrides: Partial<UnsequencedRecord> = {}): UnsequencedRecord {
  const base = {
    event: 'ONCRMDYNAMICITEMDELETE',
    handlerId: 6,
    itemId,
    entityTypeId: 1220,
    sentAt: 1_723_538_149_000,
    receivedAt: 1_723_538_150_000 + itemId,
    portal: 'some-domain.bitrix24.com',
    memberId: 'a223c6b3710f85df22e9377d6c4f7553',
    clientEndpoint: 'https://some-domain.bitrix24.com/rest/',
    byUser: false,
    userId: null,
    tokenFp: 'abcdef12',
    ...overrides,
  };
  return { id: deletionId(base.portal, base.event, base.itemId, base.entityTypeId, base.sentAt), ...base };
}
