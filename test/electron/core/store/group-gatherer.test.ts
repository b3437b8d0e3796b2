import { describe, expect, it } from 'vitest';
import { GATHER_MIN_SENDERS, GROUPS_AFTER_TIMEOUT, GroupGatherer } from '../../../../electron/core/store/group-gatherer.js';

/** Which of `promise` settling and `turns` setImmediate turns comes first. */
async function settlesWithin(promise: Promise<void>, turns: number): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let i = 0; i < turns && !settled; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

/** Runs one group: its senders arrive, the group is taken. */
function group(gatherer: GroupGatherer, senders: object[]): void {
  for (const s of senders) gatherer.arrive(s);
  gatherer.taken();
}

describe('GroupGatherer', () => {
  it('waits one loop turn only when told not to wait for senders (no fsync)', async () => {
    const gatherer = new GroupGatherer(false, 60_000);
    const senders = Array.from({ length: 10 }, () => ({}));
    group(gatherer, senders);
    group(gatherer, senders);
    expect(await settlesWithin(gatherer.wait(), 2)).toBe(true);
  });

  it('waits one loop turn only behind fewer than GATHER_MIN_SENDERS recent senders', async () => {
    const gatherer = new GroupGatherer();
    const senders = Array.from({ length: GATHER_MIN_SENDERS - 1 }, () => ({}));
    group(gatherer, senders);
    expect(await settlesWithin(gatherer.wait(), 2)).toBe(true);
  });

  it('waits until every sender of the last two groups is back, then no longer (two groups of 5 become one of 10)', async () => {
    const gatherer = new GroupGatherer(true, 60_000);
    const a = Array.from({ length: 5 }, () => ({}));
    const b = Array.from({ length: 5 }, () => ({}));
    group(gatherer, a);
    group(gatherer, b);
    for (const s of a) gatherer.arrive(s);
    const wait = gatherer.wait();
    expect(await settlesWithin(wait, 5)).toBe(false); // b's senders are awaited
    for (const s of b.slice(0, 4)) gatherer.arrive(s);
    expect(await settlesWithin(wait, 5)).toBe(false);
    gatherer.arrive(b[4]!);
    expect(await settlesWithin(wait, 1)).toBe(true);
  });

  it('gives up after its limit when a sender stopped, then writes the next groups without waiting', async () => {
    const gatherer = new GroupGatherer(true, 50);
    const senders = Array.from({ length: 6 }, () => ({}));
    group(gatherer, senders);
    group(gatherer, senders);
    for (const s of senders.slice(1)) gatherer.arrive(s);
    const started = performance.now();
    await gatherer.wait();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    gatherer.taken();
    for (let i = 0; i < GROUPS_AFTER_TIMEOUT; i++) {
      for (const s of senders.slice(1)) gatherer.arrive(s);
      expect(await settlesWithin(gatherer.wait(), 2)).toBe(true);
      gatherer.taken();
    }
    // Then it waits again: the last two groups were senders 1-5, and sender 1 is not back.
    for (const s of senders.slice(2)) gatherer.arrive(s);
    expect(await settlesWithin(gatherer.wait(), 5)).toBe(false);
  });
});
