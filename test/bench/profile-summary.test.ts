import { describe, expect, it } from 'vitest';
import { summariseProfile, type CpuProfile } from '../../bench/profile-summary.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

/** Root → a (node:x line 10) and (idle); samples every 100 µs: a, a, idle, b, a, idle. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('a', 'node:x', 9) },
    { id: 3, callFrame: frame('(idle)') },
    { id: 4, callFrame: frame('b', 'node:y', 4) },
  ],
  startTime: 1_000,
  endTime: 1_700,
  samples: [2, 2, 3, 4, 2, 3],
  timeDeltas: [100, 100, 100, 100, 100, 100],
};

describe('summariseProfile', () => {
  it('adds self time by function, leaves idle out of the busy share, and divides by requests', () => {
    const summary = summariseProfile(profile, { requests: 3 });
    expect(summary.idleMs).toBeCloseTo(0.1); // the last sample stands for no time
    expect(summary.busyMs).toBeCloseTo(0.4);
    expect(summary.functions.map((f) => [f.name, f.where, f.selfMs, f.share])).toEqual([
      ['a', 'node:x:10', 0.3, 0.75],
      ['b', 'node:y:5', 0.1, 0.25],
    ]);
    expect(summary.functions[0]!.usPerRequest).toBeCloseTo(100);
    expect(summary.files.map((f) => f.file)).toEqual(['node:x', 'node:y']);
  });

  it('counts only the samples inside the window', () => {
    // Samples are taken at 1100, 1200, ..., 1600: the window 1350-1550 holds those at 1400 (b) and 1500 (a).
    const summary = summariseProfile(profile, { fromUs: 1_350, toUs: 1_550 });
    expect(summary.functions.map((f) => f.name).sort()).toEqual(['a', 'b']);
    expect(summary.busyMs).toBeCloseTo(0.2);
    expect(summary.requests).toBeNull();
  });
});
