/**
 * @module Pareto dominance, non-dominated sorting and crowding distance, on loss vectors
 * (minimised; see `lossVector`). Used by NSGA-II, multi-objective TPE and `bestTrials`.
 */

/** a dominates b: no worse in every objective and better in at least one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/**
 * Deb's constrained domination: feasible beats infeasible; two infeasible ones compare by
 * total violation; two feasible ones by Pareto dominance.
 */
export function constrainedDominates(a: readonly number[], va: number, b: readonly number[], vb: number): boolean {
  if (va === 0 && vb > 0) return true;
  if (va > 0 && vb === 0) return false;
  if (va > 0 && vb > 0) return va < vb;
  return dominates(a, b);
}

/**
 * Fast non-dominated sort (Deb et al. 2002): rank 0 is the Pareto front. O(M n^2), which at
 * n = 1000, M = 3 is 3e6 comparisons, about 2 ms. `violations` switches to constrained domination.
 */
export function nonDominatedRanks(losses: readonly (readonly number[])[], violations?: readonly number[]): number[] {
  const n = losses.length;
  const dom = violations ? (i: number, j: number) => constrainedDominates(losses[i]!, violations[i]!, losses[j]!, violations[j]!) : (i: number, j: number) => dominates(losses[i]!, losses[j]!);
  const dominatedBy = new Int32Array(n);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dom(i, j)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dom(j, i)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const ranks = new Array<number>(n).fill(-1);
  let front: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) front.push(i);
  let rank = 0;
  while (front.length) {
    const next: number[] = [];
    for (const i of front) {
      ranks[i] = rank;
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    front = next;
    rank++;
  }
  return ranks;
}

/** Indices of the Pareto-optimal points (rank 0). */
export function paretoFrontIndices(losses: readonly (readonly number[])[]): number[] {
  const ranks = nonDominatedRanks(losses);
  const out: number[] = [];
  for (let i = 0; i < ranks.length; i++) if (ranks[i] === 0) out.push(i);
  return out;
}

/**
 * Crowding distance per point (NSGA-II): per objective, the normalised gap between the two
 * neighbours, summed; the extremes of each objective get Infinity so they are always kept.
 * An objective with zero width contributes nothing.
 */
export function crowdingDistances(losses: readonly (readonly number[])[]): number[] {
  const n = losses.length;
  const dist = new Array<number>(n).fill(0);
  if (n === 0) return dist;
  const m = losses[0]!.length;
  for (let k = 0; k < m; k++) {
    const order = [...Array(n).keys()].sort((a, b) => losses[a]![k]! - losses[b]![k]!);
    const lo = losses[order[0]!]![k]!;
    const hi = losses[order[n - 1]!]![k]!;
    const width = hi - lo;
    if (!(width > 0) || !Number.isFinite(width)) continue;
    dist[order[0]!] = Infinity;
    dist[order[n - 1]!] = Infinity;
    for (let j = 1; j < n - 1; j++) dist[order[j]!]! += (losses[order[j + 1]!]![k]! - losses[order[j - 1]!]![k]!) / width;
  }
  return dist;
}
