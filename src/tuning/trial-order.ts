/**
 * @module Which trial is best: feasible trials first (every constraint <= 0), then by value;
 * infeasible ones by total violation. Shared by `bestTrial` and the samplers' rankings.
 */
import type { FrozenTrial, StudyDirection } from './frozen-trial.js';

/** Objective value turned into a loss (smaller is better); NaN counts as the worst. */
export function toLoss(value: number, direction: StudyDirection): number {
  if (Number.isNaN(value)) return Infinity;
  return direction === 'maximize' ? -value : value;
}

export function lossVector(t: FrozenTrial, directions: readonly StudyDirection[]): number[] {
  return t.values!.map((v, i) => toLoss(v, directions[i]!));
}

/** Orders COMPLETE single-objective trials best first: feasible by value, then by violation. */
export function compareSingleObjective(direction: StudyDirection): (a: FrozenTrial, b: FrozenTrial) => number {
  return (a, b) => {
    const va = a.violation;
    const vb = b.violation;
    if (va > 0 || vb > 0) {
      if (va !== vb) return va - vb;
    }
    const la = toLoss(a.values![0]!, direction);
    const lb = toLoss(b.values![0]!, direction);
    return la === lb ? a.number - b.number : la < lb ? -1 : 1;
  };
}

export function bestOf(trials: readonly FrozenTrial[], direction: StudyDirection): FrozenTrial | null {
  const cmp = compareSingleObjective(direction);
  let best: FrozenTrial | null = null;
  for (const t of trials) {
    if (t.state !== 'COMPLETE') continue;
    if (best === null || cmp(t, best) < 0) best = t;
  }
  return best;
}
