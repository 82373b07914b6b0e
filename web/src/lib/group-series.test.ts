import { describe, expect, it } from 'vitest';
import { groupLine } from './group-series';

describe('grouped chart lines', () => {
  it('means runs with different bucket steps, each holding its last value inside its own range', () => {
    const g = groupLine([
      { xs: [0, 10, 20], ys: [1, 3, 5] },
      { xs: [0, 15], ys: [3, 7] },
    ], 'minmax');
    expect(g.xs).toEqual([0, 10, 15, 20]);
    expect(g.mean).toEqual([2, 3, 5, 5]); // at 20 the second run has ended: only the first counts
    expect(g.lo).toEqual([1, 3, 3, 5]);
    expect(g.hi).toEqual([3, 3, 7, 5]);
    expect(g.n).toEqual([2, 2, 2, 1]);
  });

  it('gives mean ± sample standard deviation, skipping gaps', () => {
    const g = groupLine([{ xs: [0, 1], ys: [2, null] }, { xs: [0, 1], ys: [4, 8] }, { xs: [0], ys: [6] }], 'std');
    expect(g.mean[0]).toBe(4);
    expect(g.lo[0]).toBeCloseTo(2);
    expect(g.hi[0]).toBeCloseTo(6);
    // At x=1 the first run holds 2 (its null is a gap), the third has ended.
    expect(g.mean[1]).toBe(5);
    expect(g.n).toEqual([3, 2]);
  });
});
