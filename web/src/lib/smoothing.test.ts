import { describe, expect, it } from 'vitest';
import { twema } from './smoothing';

describe('time-weighted EMA', () => {
  it('is the raw series at weight 0 and keeps gaps as null', () => {
    expect(twema([0, 1, 2], [3, null, 5], 0)).toEqual([3, null, 5]);
    expect(twema([0, 1, 2], [3, null, 5], 0.9)[1]).toBeNull();
  });
  it('is debiased: the first point is its own value, a constant stays constant', () => {
    const out = twema([0, 1, 2, 3], [2, 2, 2, 2], 0.95);
    for (const v of out) expect(v).toBeCloseTo(2, 12);
  });
  it('weights by x distance: the same points, unevenly spaced, smooth differently', () => {
    const even = twema([0, 1, 2, 3], [0, 0, 0, 10], 0.99)[3]!;
    const farLast = twema([0, 1, 2, 30], [0, 0, 0, 10], 0.99)[3]!;
    expect(farLast).toBeGreaterThan(even); // a long gap forgets more of the past
    expect(even).toBeGreaterThan(0);
    expect(even).toBeLessThan(10);
  });
});
