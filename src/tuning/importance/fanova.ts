/**
 * @module fANOVA parameter importance (Hutter, Hoos and Leyton-Brown 2014; Optuna's default
 * evaluator; reference section 8). A random forest learns the objective over the unit cube
 * of the search space; for each tree, the importance of param i is the share of the tree's
 * variance explained by its marginal prediction alone, V_i / V. Shares are averaged over the
 * trees that vary at all and normalised to sum 1, as Optuna reports them.
 *
 * Differences from Optuna, on purpose: log params are measured uniformly in log space (see
 * unit-features.ts), and the default seed is fixed (0), so the same trials always give the
 * same importances.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { FrozenTrial } from '../frozen-trial.js';
import { intersectionSearchSpace } from '../search-space.js';
import { decomposeTreeVariance } from './functional-anova.js';
import { fitRegressionForest } from './regression-forest.js';
import { encodeUnitFeatures } from './unit-features.js';

export interface FanovaOptions {
  /** Trees in the forest (default 64). */
  nTrees?: number;
  /** Maximum tree depth (default 64). */
  maxDepth?: number;
  /** Seed of the forest's bootstrap and feature draws (default 0). */
  seed?: number;
  /** Restrict to these params (default: the params every COMPLETE trial has). */
  params?: readonly string[];
}

/**
 * Importance per param, highest first, summing to 1 (all 0 when fewer than 2 COMPLETE trials
 * have a finite score, or when the forest predicts a constant). Trials whose score is not
 * finite are left out of the fit, since one infinity would make every variance infinite.
 */
export function fanovaImportances(trials: readonly FrozenTrial[], score: (t: FrozenTrial) => number, opts: FanovaOptions = {}): Record<string, number> {
  // Number order, so the same trials give the same forest however a storage lists them.
  const complete = trials.filter((t) => t.state === 'COMPLETE').sort((a, b) => a.number - b.number);
  const space = intersectionSearchSpace(complete);
  const names = opts.params ? [...new Set(opts.params)] : Object.keys(space);
  for (const n of names) if (!space[n]) throw new InvalidParameter(`Parameter '${n}' is not in every COMPLETE trial (or has one value); it cannot be scored.`);
  const zeros = (): Record<string, number> => Object.fromEntries(names.map((n) => [n, 0]));
  const scored = complete.map((t) => ({ t, y: score(t) })).filter((s) => Number.isFinite(s.y));
  if (scored.length < 2 || names.length === 0) return zeros();

  const { rows, categoryCounts } = encodeUnitFeatures(scored.map((s) => s.t), names, space);
  const forest = fitRegressionForest(rows, scored.map((s) => s.y), { nTrees: opts.nTrees, maxDepth: opts.maxDepth, seed: opts.seed, categoryCounts });
  const shareSums = new Float64Array(names.length);
  let varyingTrees = 0;
  for (const tree of forest) {
    const { total, mainEffects } = decomposeTreeVariance(tree.leaves, names.length);
    if (!(total > 0)) continue; // a constant tree says nothing about any param
    varyingTrees++;
    for (let i = 0; i < names.length; i++) shareSums[i] += mainEffects[i]! / total;
  }
  const sum = shareSums.reduce((a, b) => a + b, 0);
  if (varyingTrees === 0 || !(sum > 0)) return zeros();
  // Dividing by the sum of the mean shares is the same as by the sum of the share sums.
  const entries = names.map((n, i) => [n, shareSums[i]! / sum] as const);
  return Object.fromEntries(entries.sort((a, b) => b[1] - a[1]));
}
