/**
 * @module Trials as points of the unit cube [0, 1]^d, the space in which fANOVA measures
 * variance. The cube carries the uniform measure, so where a parameter lands in it decides how
 * much "volume" each of its values owns:
 * - numeric params go through `toUnit`, i.e. the sampler's transformed space: log params are
 *   uniform in ln(x) (a decade of learning rate weighs as much as any other decade), and an
 *   int or stepped param owns one equal cell per grid value. (Optuna's evaluator works on the
 *   linear range instead; for a log param that lets the top decade own ~90% of the volume.)
 * - a categorical param with c choices becomes c equal cells, choice k at the cell centre
 *   (k + 0.5) / c, so each choice weighs 1/c, as a uniform draw over the choices would.
 */
import type { Distribution } from '../distributions.js';
import type { FrozenTrial } from '../frozen-trial.js';
import { toUnit } from '../transform.js';

export interface UnitFeatures {
  /** One row per trial, one column per param, every entry in [0, 1]. */
  readonly rows: number[][];
  /** Per column: the number of category cells, or 0 for a numeric param. */
  readonly categoryCounts: number[];
}

/** Encodes `trials` (which must all hold every name) into unit-cube rows, columns in `names` order. */
export function encodeUnitFeatures(trials: readonly FrozenTrial[], names: readonly string[], space: Readonly<Record<string, Distribution>>): UnitFeatures {
  const dists = names.map((n) => space[n]!);
  const rows = trials.map((t) => names.map((n, f) => unitCoordinate(dists[f]!, t.internalParams[n]!)));
  return { rows, categoryCounts: dists.map((d) => (d.type === 'categorical' ? d.choices.length : 0)) };
}

/** Position of one internal value in [0, 1]. */
export function unitCoordinate(d: Distribution, internal: number): number {
  if (d.type === 'categorical') return (internal + 0.5) / d.choices.length;
  return Math.min(1, Math.max(0, toUnit(d, internal)));
}
