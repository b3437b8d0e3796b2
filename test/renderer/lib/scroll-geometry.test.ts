import { describe, expect, it } from 'vitest';
import { offsetForScrollTop, scrollGeometry, scrollTopForOffset, visibleRows } from '../../../renderer/src/lib/scroll-geometry';

describe('scrollGeometry', () => {
  it('maps scrollTop to the list one to one while the list fits', () => {
    const g = scrollGeometry(1000, 32, 600);
    expect(g).toMatchObject({ scaled: false, listHeight: 32_000, scrollHeight: 32_000, ratio: 1 });
    expect(offsetForScrollTop(1234, g)).toBe(1234);
    expect(scrollTopForOffset(1234, g)).toBe(1234);
  });

  it('scales a list taller than the browser allows, keeping both ends reachable', () => {
    const g = scrollGeometry(1_000_000, 32, 600, 8_000_000);
    expect(g.scaled).toBe(true);
    expect(g.scrollHeight).toBe(8_000_000);
    expect(offsetForScrollTop(0, g)).toBe(0);
    expect(offsetForScrollTop(g.maxScrollTop, g)).toBeCloseTo(32_000_000 - 600);
    expect(scrollTopForOffset(offsetForScrollTop(123_456, g), g)).toBeCloseTo(123_456);
    expect(offsetForScrollTop(1e12, g)).toBe(g.maxOffset);
  });

  it('lists the rows in view plus overscan', () => {
    expect(visibleRows(0, 320, 32, 1000, 2)).toEqual({ first: 0, last: 11 });
    expect(visibleRows(3200, 320, 32, 1000, 2)).toEqual({ first: 98, last: 111 });
    expect(visibleRows(31_680, 320, 32, 1000, 2)).toEqual({ first: 988, last: 999 });
    expect(visibleRows(0, 320, 32, 0, 2)).toEqual({ first: 0, last: -1 });
  });
});
