import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeletionRecord } from '../../../../electron/core/contract.js';
import { recordLine } from '../../../../electron/core/store/record-line.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', '\\', '\u2028', '\u0000', 'ONCRMDEALDELETE'));
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(NaN, Infinity, -0, Number.MAX_SAFE_INTEGER));

/** Records in the store's key order, with values of every kind JSON treats specially. */
const record = fc.record({
  seq: number,
  id: text,
  event: text,
  handlerId: fc.option(number),
  itemId: number,
  entityTypeId: number,
  sentAt: number,
  receivedAt: number,
  portal: text,
  memberId: fc.option(text),
  clientEndpoint: fc.option(text),
  byUser: fc.boolean(),
  userId: fc.option(number),
  tokenFp: text,
}) as fc.Arbitrary<DeletionRecord>;

describe('recordLine', () => {
  it('writes exactly what JSON.stringify writes', () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(recordLine(r)).toBe(JSON.stringify(r));
      }),
      { numRuns: 5000 },
    );
  });

  it('falls back to JSON.stringify for a record missing a field', () => {
    const r = { seq: 1, id: 'x', event: 'E' } as unknown as DeletionRecord;
    expect(recordLine(r)).toBe(JSON.stringify(r));
  });
});
