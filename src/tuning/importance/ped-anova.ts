/**
 * @module PED-ANOVA parameter importance (Watanabe et al. 2023; reference section 8): how much
 * the distribution of a parameter among the top trials differs from its distribution over the
 * region of interest, measured by the Pearson divergence
 *   importance_i = sum_x p_R(x) (p_top(x) / p_R(x) - 1)^2
 * on a grid, with 1-D Parzen densities. O(n) per parameter: under a second for 10k trials,
 * where fANOVA's random forest takes minutes (Optuna's docs). Results are normalised to sum 1.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { Distribution, NumericDistribution } from '../distributions.js';
import type { FrozenTrial, StudyDirection } from '../frozen-trial.js';
import { intersectionSearchSpace } from '../search-space.js';
import { toLoss } from '../trial-order.js';
import { toUnit } from '../transform.js';

export interface PedAnovaOptions {
  /** Fraction of trials counted as "top" (default 0.1). */
  targetQuantile?: number;
  /** Fraction of trials forming the reference region (default 1: all). */
  regionQuantile?: number;
  /** Compare against the region's density (default) or against the uniform prior. */
  evaluateOnLocal?: boolean;
  /** Grid steps for numeric params (default 50). */
  nSteps?: number;
  /** Restrict to these params (default: the params every COMPLETE trial has). */
  params?: readonly string[];
}

/** Importance per param, highest first, summing to 1 (all 0 when nothing differs). */
export function pedAnovaImportances(trials: readonly FrozenTrial[], score: (t: FrozenTrial) => number, opts: PedAnovaOptions = {}): Record<string, number> {
  const q = opts.targetQuantile ?? 0.1;
  const rq = opts.regionQuantile ?? 1;
  if (!(q > 0 && q <= rq && rq <= 1)) throw new InvalidParameter(`need 0 < targetQuantile (${q}) <= regionQuantile (${rq}) <= 1.`);
  const complete = trials.filter((t) => t.state === 'COMPLETE').sort((a, b) => score(a) - score(b) || a.number - b.number);
  const space = intersectionSearchSpace(complete);
  const names = opts.params ? [...opts.params] : Object.keys(space);
  for (const n of names) if (!space[n]) throw new InvalidParameter(`Parameter '${n}' is not in every COMPLETE trial (or has one value); it cannot be scored.`);
  if (complete.length < 2 || names.length === 0) return Object.fromEntries(names.map((n) => [n, 0]));
  const nTop = Math.max(1, Math.floor(complete.length * q));
  const nRegion = Math.max(nTop, Math.floor(complete.length * rq));
  const raw: Record<string, number> = {};
  for (const n of names) {
    const d = space[n]!;
    const top = complete.slice(0, nTop).map((t) => t.internalParams[n]!);
    const region = complete.slice(0, nRegion).map((t) => t.internalParams[n]!);
    const pTop = density(d, top, opts.nSteps ?? 50);
    const pR = opts.evaluateOnLocal === false ? pTop.map(() => 1 / pTop.length) : density(d, region, opts.nSteps ?? 50);
    let div = 0;
    for (let g = 0; g < pTop.length; g++) if (pR[g]! > 0) div += pR[g]! * (pTop[g]! / pR[g]! - 1) ** 2;
    raw[n] = div;
  }
  const total = Object.values(raw).reduce((a, b) => a + b, 0);
  const entries = Object.entries(raw).map(([k, v]) => [k, total > 0 ? v / total : 0] as const);
  return Object.fromEntries(entries.sort((a, b) => b[1] - a[1]));
}

/** Objective as a loss for single-objective studies. */
export function lossScore(direction: StudyDirection): (t: FrozenTrial) => number {
  return (t) => toLoss(t.values![0]!, direction);
}

/** A probability vector on the param's grid: Parzen kernels (Scott bandwidth) plus a uniform prior. */
function density(d: Distribution, values: readonly number[], nSteps: number): number[] {
  const m = values.length;
  if (d.type === 'categorical') {
    const c = d.choices.length;
    const counts = new Array<number>(c).fill(1 / c); // prior weight 1 spread uniformly
    for (const v of values) counts[v]!++;
    return counts.map((x) => x / (m + 1));
  }
  const grid = gridOf(d, nSteps);
  const xs = values.map((v) => toUnit(d, v));
  const mean = xs.reduce((a, b) => a + b, 0) / m;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / m);
  // Scott's rule, floored at one grid step so a single repeated value does not become a spike.
  const h = Math.max(1.059 * std * m ** -0.2, 1 / nSteps);
  const p = grid.map((g) => {
    let s = 1 / grid.length; // uniform prior kernel, weight 1
    for (const x of xs) s += Math.exp(-0.5 * ((g - x) / h) ** 2) / h;
    return s;
  });
  const z = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / z);
}

/** Grid in [0, 1] unit space: the values themselves for small discrete params, else nSteps + 1 points. */
function gridOf(d: NumericDistribution, nSteps: number): number[] {
  const step = d.type === 'int' ? d.step : d.step;
  if (step != null && !d.log && (d.high - d.low) / step + 1 <= nSteps + 1) {
    const out: number[] = [];
    for (let v = d.low; v <= d.high + 1e-12; v += step) out.push(toUnit(d, v));
    return out;
  }
  return Array.from({ length: nSteps + 1 }, (_, i) => i / nSteps);
}
