/**
 * @module The "transformed" space in which model-based samplers work (reference section 2):
 * log parameters become ln(x); stepped and integer parameters get their interval widened by
 * half a step on each side so that every grid value owns an equal share, and a continuous
 * draw is rounded back to the grid.
 */
import type { NumericDistribution, Distribution } from './distributions.js';
import type { Rng } from './prng.js';

export interface TransformedBounds {
  readonly low: number;
  readonly high: number;
}

/** The widened bounds [L, H] of a numeric distribution in transformed coordinates. */
export function transformedBounds(d: NumericDistribution): TransformedBounds {
  const half = d.type === 'int' ? d.step / 2 : d.step != null ? d.step / 2 : 0;
  if (d.log) {
    // Log ints: ln(low - 0.5) .. ln(high + 0.5); low >= 1 so the lower end stays > 0.
    return { low: Math.log(d.low - half), high: Math.log(d.high + half) };
  }
  return { low: d.low - half, high: d.high + half };
}

export function isDiscrete(d: NumericDistribution): boolean {
  return d.type === 'int' || d.step != null;
}

/** Internal value -> transformed coordinate. */
export function toTransformed(d: NumericDistribution, internal: number): number {
  return d.log ? Math.log(internal) : internal;
}

/** Transformed coordinate -> the nearest valid internal value (rounded to the grid, clipped). */
export function fromTransformed(d: NumericDistribution, t: number): number {
  let v = d.log ? Math.exp(t) : t;
  if (d.type === 'int') {
    v = d.low + Math.round((v - d.low) / d.step) * d.step;
  } else if (d.step != null) {
    v = d.low + Math.round((v - d.low) / d.step) * d.step;
    // Trim float noise (0.1 + 2 * 0.1 = 0.30000000000000004) to the step's decimals.
    v = Number(v.toPrecision(15));
  }
  return Math.min(d.high, Math.max(d.low, v));
}

/** Uniform draw in the transformed space (what RandomSampler does), as an internal value. */
export function sampleUniformInternal(d: Distribution, rng: Rng): number {
  if (d.type === 'categorical') return rng.int(d.choices.length);
  const b = transformedBounds(d);
  return fromTransformed(d, rng.uniform(b.low, b.high));
}

/** Internal value -> [0, 1] position within the transformed bounds (CMA-ES, QMC, importance). */
export function toUnit(d: NumericDistribution, internal: number): number {
  const b = transformedBounds(d);
  return b.high === b.low ? 0.5 : (toTransformed(d, internal) - b.low) / (b.high - b.low);
}

/** [0, 1] position -> internal value. */
export function fromUnit(d: NumericDistribution, u: number): number {
  const b = transformedBounds(d);
  return fromTransformed(d, b.low + Math.min(1, Math.max(0, u)) * (b.high - b.low));
}
