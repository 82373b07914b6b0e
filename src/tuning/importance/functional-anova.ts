/**
 * @module The functional ANOVA decomposition of one regression tree (Hutter, Hoos and
 * Leyton-Brown 2014), restricted to what importance needs: the total variance and the
 * variance of each single-feature marginal.
 *
 * A tree is f(x) = v_l on leaf box B_l, and the boxes partition [0, 1]^d (uniform measure), so
 *   mean      m   = sum_l v_l |B_l|
 *   total     V   = sum_l (v_l - m)^2 |B_l|
 *   marginal  a_i(x_i) = integral of (f - m) over the other features
 *                     = sum over leaves whose i-range holds x_i of (v_l - m) |B_l| / width_i(B_l)
 *   main effect V_i = integral of a_i(x_i)^2 dx_i.
 * a_i is constant between consecutive cut points of feature i (every leaf's i-range is a run
 * of those intervals), so V_i is a finite sum. Each leaf adds its share to a run of intervals,
 * which a difference array does in O(1) per leaf: O(L log L) per feature for L leaves.
 */
import type { LeafBox } from './regression-forest.js';

export interface TreeVariance {
  /** Variance of the tree's prediction over the unit cube (0 when it is constant). */
  readonly total: number;
  /** Per feature: variance of its marginal prediction, V_i <= total. */
  readonly mainEffects: Float64Array;
}

export function decomposeTreeVariance(leaves: readonly LeafBox[], nFeatures: number): TreeVariance {
  const mainEffects = new Float64Array(nFeatures);
  const values = leaves.map((l) => l.value);
  // Exact test first: a constant tree has no variance to share, whatever rounding says.
  if (values.every((v) => v === values[0])) return { total: 0, mainEffects };
  const volumes = leaves.map(boxVolume);
  const volumeSum = volumes.reduce((a, b) => a + b, 0); // 1 up to rounding
  const mean = leaves.reduce((acc, l, k) => acc + l.value * volumes[k]!, 0) / volumeSum;
  // Centred values make sum a^2 small terms instead of a difference of two large ones.
  const centred = values.map((v) => v - mean);
  const total = centred.reduce((acc, c, k) => acc + c * c * volumes[k]!, 0) / volumeSum;
  for (let i = 0; i < nFeatures; i++) mainEffects[i] = Math.min(total, marginalVariance(leaves, centred, volumes, i) / volumeSum);
  return { total, mainEffects };
}

function boxVolume(leaf: LeafBox): number {
  let v = 1;
  for (let f = 0; f < leaf.lower.length; f++) v *= leaf.upper[f]! - leaf.lower[f]!;
  return v;
}

/** Integral over x_i of a_i(x_i)^2, with a_i built from the leaves' centred values. */
function marginalVariance(leaves: readonly LeafBox[], centred: readonly number[], volumes: readonly number[], i: number): number {
  // Cut points of feature i: every leaf bound is one (the tree's thresholds on i, plus 0 and 1).
  const bounds = new Float64Array(2 * leaves.length);
  for (let k = 0; k < leaves.length; k++) {
    bounds[2 * k] = leaves[k]!.lower[i]!;
    bounds[2 * k + 1] = leaves[k]!.upper[i]!;
  }
  bounds.sort();
  let nCuts = 0;
  for (const b of bounds) if (nCuts === 0 || b !== bounds[nCuts - 1]) bounds[nCuts++] = b;
  if (nCuts === 2) return 0; // never split on i: its marginal is the constant 0
  const cuts = bounds.subarray(0, nCuts);
  const delta = new Float64Array(nCuts);
  for (let k = 0; k < leaves.length; k++) {
    const lower = leaves[k]!.lower[i]!;
    const upper = leaves[k]!.upper[i]!;
    // Leaf value times the volume of its box in the other features.
    const share = (centred[k]! * volumes[k]!) / (upper - lower);
    delta[indexOf(cuts, lower)] += share;
    delta[indexOf(cuts, upper)] -= share;
  }
  let marginal = 0;
  let integral = 0;
  for (let j = 0; j + 1 < nCuts; j++) {
    marginal += delta[j]!;
    integral += (cuts[j + 1]! - cuts[j]!) * marginal * marginal;
  }
  return integral;
}

/** Position of `value` in the sorted, distinct `cuts`, which hold it (binary search). */
function indexOf(cuts: Float64Array, value: number): number {
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
