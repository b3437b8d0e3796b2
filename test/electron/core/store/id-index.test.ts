import { describe, expect, it } from 'vitest';
import { deletionId } from '../../../../electron/core/events/deletion-record.js';
import fc from 'fast-check';
import { IdIndex, bufferHash, idHash, packIds } from '../../../../electron/core/store/id-index.js';

const id = (i: number): string => deletionId('a.bitrix24.com', 'ONCRMDEALDELETE', i, 2, 1_723_538_149_000);

describe('IdIndex', () => {
  it('finds every id across several growths (one insert at a time), and no id it was not given', () => {
    const index = new IdIndex(16);
    for (let i = 0; i < 50_000; i++) index.add(id(i), 1 + Math.floor(i / 5000));
    expect(index.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 7) expect(index.segmentsOf(id(i))).toEqual([1 + Math.floor(i / 5000)]);
    for (let i = 0; i < 50_000; i += 7) expect(index.mayHold(id(i))).toBe(true);
    let strays = 0;
    for (let i = 50_000; i < 60_000; i++) strays += index.segmentsOf(id(i)).length + (index.mayHold(id(i)) ? 1 : 0);
    expect(strays).toBe(0);
  });

  it('reports every segment an id was added to, and loads packed side files in one go', () => {
    const index = new IdIndex(16);
    index.addPacked(packIds(Array.from({ length: 3000 }, (_, i) => id(i))), 1);
    index.addPacked(packIds(Array.from({ length: 3000 }, (_, i) => id(3000 + i))), 2);
    index.add(id(5), 3); // the same deletion stored twice would be a bug; the index must still say so
    expect(index.segmentsOf(id(5)).sort()).toEqual([1, 3]);
    expect(index.segmentsOf(id(4500))).toEqual([2]);
    expect(index.segmentsOf(id(9999))).toEqual([]);
    expect([index.mayHold(id(5)), index.mayHold(id(4500)), index.mayHold(id(9999))]).toEqual([true, true, false]);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.segmentsOf(id(5))).toEqual([]);
  });
});

describe('idHash', () => {
  it('is the first 8 bytes of the base64url id, as Buffer decodes them, for every kind of string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{11,30}$/), fc.string({ minLength: 11, maxLength: 30 }), fc.nat().map(id)), (text) => {
        expect(idHash(text)).toEqual(bufferHash(text));
      }),
      { numRuns: 5000 },
    );
    expect(idHash(id(1))).toEqual(bufferHash(id(1)));
  });
});
