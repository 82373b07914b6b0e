import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../core/errors.js';
import { categoricalDistribution, containsInternal, floatDistribution, intDistribution, toInternal } from './distributions.js';
import { fromTransformed, transformedBounds } from './transform.js';

describe('distributions', () => {
  it('rejects bad ranges with the parameter name in the message', () => {
    expect(() => floatDistribution('lr', 1, 0)).toThrow(InvalidParameter);
    expect(() => floatDistribution('lr', 1, 0)).toThrow(/'lr'.*low \(1\) must be <= high \(0\)/);
    expect(() => floatDistribution('lr', 0, 1, { log: true })).toThrow(/'lr'.*low > 0/);
    expect(() => floatDistribution('lr', 0.1, 1, { log: true, step: 0.1 })).toThrow(/'lr'.*step and log/);
    expect(() => intDistribution('depth', 0, 8, { log: true })).toThrow(/'depth'.*low >= 1/);
    expect(() => intDistribution('depth', 1, 8, { log: true, step: 2 })).toThrow(/'depth'.*step and log/);
    expect(() => intDistribution('depth', 1.5, 8)).toThrow(/'depth'.*integers/);
    expect(() => floatDistribution('x', 0, 1, { step: -1 })).toThrow(/'x'.*step must be a positive/);
    expect(() => floatDistribution('x', Number.NaN, 1)).toThrow(/'x'.*finite/);
    expect(() => categoricalDistribution('kind', [])).toThrow(/'kind'.*non-empty/);
    expect(() => categoricalDistribution('kind', ['a', 'a'])).toThrow(/'kind'.*twice/);
    expect(() => categoricalDistribution('kind', [{} as never])).toThrow(/'kind'/);
  });

  it('adjusts high down to the step grid, like Optuna', () => {
    expect(floatDistribution('x', 0, 1, { step: 0.3 }).high).toBeCloseTo(0.9);
    expect(intDistribution('n', 0, 10, { step: 3 }).high).toBe(9);
    expect(floatDistribution('x', 0, 1, { step: 0.25 }).high).toBe(1);
  });

  it('maps categoricals to choice indices and checks membership', () => {
    const d = categoricalDistribution('k', ['a', 1, null, true]);
    expect(toInternal(d, null)).toBe(2);
    expect(() => toInternal(d, 'z')).toThrow(InvalidParameter);
    expect(containsInternal(intDistribution('n', 0, 10, { step: 2 }), 4)).toBe(true);
    expect(containsInternal(intDistribution('n', 0, 10, { step: 2 }), 5)).toBe(false);
  });

  it('widens stepped/int bounds by half a step and rounds back to the grid', () => {
    const d = intDistribution('n', 1, 5);
    expect(transformedBounds(d)).toEqual({ low: 0.5, high: 5.5 });
    expect(fromTransformed(d, 0.5)).toBe(1);
    expect(fromTransformed(d, 5.49)).toBe(5);
    const l = intDistribution('b', 8, 1024, { log: true });
    expect(transformedBounds(l).low).toBeCloseTo(Math.log(7.5));
    expect(fromTransformed(l, Math.log(100.2))).toBe(100);
    const f = floatDistribution('x', 0, 1, { step: 0.1 });
    expect(fromTransformed(f, 0.31)).toBe(0.3);
  });
});
