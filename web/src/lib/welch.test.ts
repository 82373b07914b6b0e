import { describe, expect, it } from 'vitest';
import { incompleteBeta, welch } from './welch';

describe("Welch's t-test", () => {
  it('matches scipy.stats.ttest_ind(equal_var=False)', () => {
    // Debian's scipy: ttest_ind([1,2,3,4], [2,4,6,8,10], equal_var=False) -> t=-2.25144, p=0.069134
    const r = welch([1, 2, 3, 4], [2, 4, 6, 8, 10])!;
    expect(r.t).toBeCloseTo(-2.251436, 5);
    expect(r.p).toBeCloseTo(0.069134, 5);
  });
  it('needs two runs a side; identical groups have p = 1', () => {
    expect(welch([1], [2, 3])).toBeNull();
    expect(welch([1, 1], [1, 1])!.p).toBe(1);
  });
  it('incomplete beta at known points', () => {
    expect(incompleteBeta(0.5, 1, 1)).toBeCloseTo(0.5, 12);
    expect(incompleteBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 4);
  });
});
