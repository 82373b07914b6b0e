/**
 * @module TPE's split of the history into "below" (good) and "above" (bad) trials, with
 * Optuna's rules (reference section 3.1 step 2) and its default gamma and weights.
 */
import type { FrozenTrial, StudyDirection } from '../frozen-trial.js';
import { greedyHssp, hypervolume } from '../hypervolume.js';
import { nonDominatedRanks } from '../pareto.js';
import { lossVector, toLoss } from '../trial-order.js';

/** Optuna's default gamma: the best min(ceil(0.1 n), 25) trials are "good". */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Hyperopt's gamma: min(ceil(0.25 sqrt(n)), 25). */
export function hyperoptGamma(n: number): number {
  return Math.min(Math.ceil(0.25 * Math.sqrt(n)), 25);
}

/**
 * Optuna's default weights ("linear forgetting", Bergstra 2013): 1 for m < 25; otherwise a
 * ramp from 1/m to 1 over the oldest m - 25 observations and 1 for the newest 25.
 */
export function defaultWeights(m: number): Float64Array {
  const w = new Float64Array(m).fill(1);
  if (m < 25) return w;
  const r = m - 25;
  // numpy.linspace(1/m, 1, num=r)
  for (let i = 0; i < r; i++) w[i] = r === 1 ? 1 / m : 1 / m + ((1 - 1 / m) * i) / (r - 1);
  return w;
}

export interface TpeSplit {
  /** Good trials, in trial-number order. */
  readonly below: FrozenTrial[];
  /** Bad trials (and, with constant liar, running ones), in trial-number order. */
  readonly above: FrozenTrial[];
  /** Multi-objective only: per below trial (same order), its hypervolume-contribution weight. */
  readonly belowWeights: Float64Array | null;
}

const EPS = 1e-12;

/**
 * Ranks and splits. `trials` holds COMPLETE and PRUNED trials, plus RUNNING ones under constant
 * liar (those always go above). Order of merit: feasible COMPLETE trials by value (MO: by
 * non-domination rank, the tied rank cut by greedy hypervolume selection); then PRUNED ones by
 * (furthest step, then last intermediate value); then infeasible ones by total violation.
 */
export function splitTrials(trials: readonly FrozenTrial[], directions: readonly StudyDirection[], nBelow: number): TpeSplit {
  const complete: FrozenTrial[] = [];
  const pruned: FrozenTrial[] = [];
  const infeasible: FrozenTrial[] = [];
  const running: FrozenTrial[] = [];
  for (const t of trials) {
    if (t.state === 'RUNNING') running.push(t);
    else if (t.violation > 0) infeasible.push(t);
    else if (t.state === 'COMPLETE') complete.push(t);
    else if (t.state === 'PRUNED') pruned.push(t);
  }
  const below: FrozenTrial[] = [];
  const above: FrozenTrial[] = [...running];
  let left = nBelow;

  const take = (sorted: FrozenTrial[]): void => {
    const n = Math.min(left, sorted.length);
    below.push(...sorted.slice(0, n));
    above.push(...sorted.slice(n));
    left -= n;
  };

  if (directions.length === 1) {
    const dir = directions[0]!;
    take(complete.map((t) => [toLoss(t.values![0]!, dir), t] as const).sort((a, b) => a[0] - b[0] || a[1].number - b[1].number).map((x) => x[1]));
  } else {
    const n = Math.min(left, complete.length);
    const chosen = new Set(selectMultiObjective(complete, directions, n));
    for (const t of complete) (chosen.has(t) ? below : above).push(t);
    left -= n;
  }
  const dir0 = directions[0]!;
  // Pruned: further is better; then by last value (NaN and "never reported" rank last).
  const prunedKey = (t: FrozenTrial): [number, number] => {
    if (t.lastStep === null || directions.length > 1) return [Infinity, Infinity];
    return [-t.lastStep, toLoss(t.lastIntermediateValue!, dir0)];
  };
  take(pruned.map((t) => [prunedKey(t), t] as const).sort((a, b) => a[0][0] - b[0][0] || a[0][1] - b[0][1] || a[1].number - b[1].number).map((x) => x[1]));
  take([...infeasible].sort((a, b) => a.violation - b.violation || a.number - b.number));

  below.sort((a, b) => a.number - b.number);
  above.sort((a, b) => a.number - b.number);
  let belowWeights: Float64Array | null = null;
  if (directions.length > 1) belowWeights = hypervolumeWeights(below, directions);
  return { below, above, belowWeights };
}

/** Reference point Optuna uses: max(1.1 w, 0.9 w) per objective of the worst point (0 -> EPS). */
function referencePoint(points: readonly (readonly number[])[]): number[] {
  const m = points[0]!.length;
  const ref: number[] = [];
  for (let j = 0; j < m; j++) {
    let worst = -Infinity;
    for (const p of points) worst = Math.max(worst, p[j]!);
    const r = Math.max(1.1 * worst, 0.9 * worst);
    ref.push(r === 0 ? EPS : r);
  }
  return ref;
}

function selectMultiObjective(complete: FrozenTrial[], directions: readonly StudyDirection[], n: number): FrozenTrial[] {
  if (n === 0) return [];
  const losses = complete.map((t) => lossVector(t, directions));
  const ranks = nonDominatedRanks(losses);
  const byRank = new Map<number, number[]>();
  ranks.forEach((r, i) => {
    const list = byRank.get(r);
    if (list) list.push(i);
    else byRank.set(r, [i]);
  });
  const out: FrozenTrial[] = [];
  for (let r = 0; out.length < n; r++) {
    const idx = byRank.get(r)!;
    if (out.length + idx.length <= n) {
      out.push(...idx.map((i) => complete[i]!));
      continue;
    }
    const pts = idx.map((i) => losses[i]!);
    for (const j of greedyHssp(pts, n - out.length, referencePoint(pts))) out.push(complete[idx[j]!]!);
  }
  return out;
}

/** Below weights for MO (Optuna <= 4.9): each point's exclusive hypervolume over the max. */
function hypervolumeWeights(below: readonly FrozenTrial[], directions: readonly StudyDirection[]): Float64Array {
  const n = below.length;
  const w = new Float64Array(n).fill(1);
  if (n <= 1) return w;
  const pts = below.map((t) => (t.values ? lossVector(t, directions) : null));
  const valid = pts.filter((p): p is number[] => p !== null);
  if (valid.length <= 1) return w;
  const ref = referencePoint(valid);
  const total = hypervolume(valid, ref);
  const contrib = pts.map((p) => (p === null ? 0 : total - hypervolume(valid.filter((q) => q !== p), ref)));
  const max = Math.max(...contrib);
  for (let i = 0; i < n; i++) w[i] = max > 0 ? Math.min(1, Math.max(EPS, contrib[i]! / max)) : 1;
  return w;
}
