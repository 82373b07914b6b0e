/**
 * Statistics for the tuning benchmark: quartiles, two-sided Mann-Whitney U, and the score of a
 * run at a budget (best value, or hypervolume for several objectives).
 */
import { hypervolume } from '../../src/tuning/index.js';

/** A run's objective values per trial: numbers, or vectors for several objectives; null = failed. */
export type Trace = (number | number[] | null)[];

/** numpy-style linear quantile. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const r = q * (s.length - 1);
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  return s[lo]! + (s[hi]! - s[lo]!) * (r - lo);
}

function normCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26 through erf; accurate to 1.5e-7, ample for p-values.
  const t = 1 / (1 + 0.3275911 * Math.abs(z) / Math.SQRT2);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * Two-sided Mann-Whitney U test, normal approximation with tie and continuity corrections
 * (scipy's `method='asymptotic'`). Returns p (1 when every value is tied).
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): number {
  const all = [...a.map((v) => [v, 0] as const), ...b.map((v) => [v, 1] as const)].sort((x, y) => x[0] - y[0]);
  const n = all.length;
  const ranks = new Array<number>(n);
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]![0] === all[i]![0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = r;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  let r1 = 0;
  all.forEach((x, i) => {
    if (x[1] === 0) r1 += ranks[i]!;
  });
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return 1;
  const z = (Math.abs(u - mu) - 0.5) / sigma;
  return Math.min(1, 2 * (1 - normCdf(Math.max(0, z))));
}

const HV_REF = [1.1, 1.1, 1.1];

/** Best value within the first `budget` trials (minimised), or hypervolume for vectors. */
export function scoreAt(trace: Trace, budget: number): number {
  const head = trace.slice(0, budget).filter((v): v is number | number[] => v !== null);
  if (head.length && Array.isArray(head[0])) return hypervolume(head as number[][], HV_REF);
  return Math.min(...(head as number[]).filter((v) => !Number.isNaN(v)));
}

export type Outcome = 'win' | 'tie' | 'loss';

/** win = better median and p < 0.05 (the suite's rule); higherIsBetter for hypervolume. */
export function compare(ours: readonly number[], theirs: readonly number[], higherIsBetter: boolean): { outcome: Outcome; p: number } {
  const p = mannWhitneyU(ours, theirs);
  const mo = quantile(ours, 0.5);
  const mt = quantile(theirs, 0.5);
  const better = higherIsBetter ? mo > mt : mo < mt;
  const worse = higherIsBetter ? mo < mt : mo > mt;
  if (p < 0.05 && better) return { outcome: 'win', p };
  if (p < 0.05 && worse) return { outcome: 'loss', p };
  return { outcome: 'tie', p };
}
