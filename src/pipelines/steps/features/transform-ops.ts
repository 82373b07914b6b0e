/**
 * @module The transforms a feature spec chains per column, each a `fit` on training values that
 * returns plain JSON parameters, and an `apply` that needs only those parameters. Serving
 * rebuilds the same functions from the JSON, so train and serve share one code path.
 *
 * Values flow as number | string | null until an op that outputs numbers (one-hot, frequency,
 * target encoding). Nulls pass through numeric ops; a null left at the end becomes NaN (impute
 * first when the model needs finite inputs).
 */
import { InvalidParameter } from '../../../core/errors.js';
import type { Cell } from '../data/table.js';

export type OpSpec =
  | 'standardize' | 'minmax' | 'log' | 'onehot' | 'frequency' | 'target'
  | { impute: 'mean' | 'median' | 'mode' | number | string }
  | { onehot: { minFrequency?: number; maxCategories?: number } }
  | { target: { smoothing?: number } }
  | { bucketize: { bins: number | readonly number[] } };

/** A fitted op: its kind and the parameters learnt on the training split. */
export type FittedOp =
  | { op: 'impute'; value: number | string }
  | { op: 'standardize'; mean: number; std: number }
  | { op: 'minmax'; min: number; max: number }
  | { op: 'log' }
  | { op: 'onehot'; categories: string[] }
  | { op: 'frequency'; shares: Record<string, number> }
  | { op: 'target'; means: Record<string, number>; prior: number }
  | { op: 'bucketize'; edges: number[] };

export const opName = (s: OpSpec): string => (typeof s === 'string' ? s : Object.keys(s)[0]!);

const isNum = (v: Cell): v is number => typeof v === 'number' && !Number.isNaN(v);

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function mode(vs: Cell[]): number | string {
  const m = new Map<number | string, number>();
  for (const v of vs) if (v !== null) m.set(v, (m.get(v) ?? 0) + 1);
  // Ties broken by value so the fit is deterministic.
  return [...m].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))[0]?.[0] ?? 0;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (pos - lo);
}

/** Fits one op on the column's training values (and the 0/1 or numeric target for 'target'). */
export function fitOp(spec: OpSpec, values: Cell[], y: ArrayLike<number>, where: string): FittedOp {
  const name = opName(spec);
  const nums = () => values.filter(isNum);
  switch (name) {
    case 'impute': {
      const how = (spec as { impute: 'mean' | 'median' | 'mode' | number | string }).impute;
      if (how === 'mean') return { op: 'impute', value: mean(nums()) };
      if (how === 'median') return { op: 'impute', value: quantile(nums().sort((a, b) => a - b), 0.5) };
      if (how === 'mode') return { op: 'impute', value: mode(values) };
      if (typeof how === 'number' || typeof how === 'string') return { op: 'impute', value: how };
      throw new InvalidParameter(`${where}.impute: 'mean', 'median', 'mode' or a constant.`);
    }
    case 'standardize': {
      const xs = nums();
      const m = mean(xs);
      const std = Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
      return { op: 'standardize', mean: m, std: std || 1 };
    }
    case 'minmax': {
      const xs = nums();
      return { op: 'minmax', min: xs.length ? Math.min(...xs) : 0, max: xs.length ? Math.max(...xs) : 1 };
    }
    case 'log':
      if (values.some((v) => isNum(v) && v <= -1)) throw new InvalidParameter(`${where}.log: log1p needs values > -1; the training data has some at or below -1.`);
      return { op: 'log' };
    case 'onehot': {
      const o = typeof spec === 'string' ? {} : (spec as { onehot: { minFrequency?: number; maxCategories?: number } }).onehot ?? {};
      const counts = new Map<string, number>();
      for (const v of values) if (v !== null) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
      const cats = [...counts].filter(([, n]) => n >= (o.minFrequency ?? 1)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, o.maxCategories ?? Infinity).map(([k]) => k).sort();
      return { op: 'onehot', categories: cats };
    }
    case 'frequency': {
      const counts = new Map<string, number>();
      for (const v of values) if (v !== null) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
      return { op: 'frequency', shares: Object.fromEntries([...counts].sort().map(([k, n]) => [k, n / values.length])) };
    }
    case 'target': {
      // Smoothed mean: (Σy + s·prior) / (n + s), so rare categories shrink to the prior.
      const s = typeof spec === 'string' ? 10 : (spec as { target: { smoothing?: number } }).target?.smoothing ?? 10;
      let total = 0;
      const sums = new Map<string, [number, number]>();
      for (let i = 0; i < values.length; i++) {
        total += y[i]!;
        const v = values[i];
        if (v === null) continue;
        const e = sums.get(String(v)) ?? [0, 0];
        e[0] += y[i]!;
        e[1]++;
        sums.set(String(v), e);
      }
      const prior = values.length ? total / values.length : 0;
      return { op: 'target', prior, means: Object.fromEntries([...sums].sort().map(([k, [sum, n]]) => [k, (sum + s * prior) / (n + s)])) };
    }
    case 'bucketize': {
      const bins = (spec as { bucketize: { bins: number | readonly number[] } }).bucketize?.bins;
      if (Array.isArray(bins)) return { op: 'bucketize', edges: [...bins].sort((a, b) => a - b) };
      if (typeof bins !== 'number' || bins < 2) throw new InvalidParameter(`${where}.bucketize.bins: a count >= 2 (quantile buckets) or a list of edges.`);
      const xs = nums().sort((a, b) => a - b);
      const edges = [...new Set(Array.from({ length: bins - 1 }, (_, i) => quantile(xs, (i + 1) / bins)))];
      return { op: 'bucketize', edges };
    }
  }
  throw new InvalidParameter(`${where}: unknown transform '${name}'; use impute, standardize, minmax, log, onehot, frequency, target or bucketize.`);
}

/** Output width of a fitted op that ends a chain. */
export function outputNames(column: string, op: FittedOp | undefined): string[] {
  if (op?.op === 'onehot') return op.categories.map((c) => `${column}=${c}`);
  return [column];
}

/** Applies one op: a Cell for the next op, or for one-hot the output numbers. */
export function applyOp(op: FittedOp, v: Cell): Cell | number[] {
  switch (op.op) {
    case 'impute': return v === null || (typeof v === 'number' && Number.isNaN(v)) ? op.value : v;
    case 'standardize': return isNum(v) ? (v - op.mean) / op.std : v === null ? null : NaN;
    case 'minmax': return isNum(v) ? (op.max === op.min ? 0 : (v - op.min) / (op.max - op.min)) : v === null ? null : NaN;
    case 'log': return isNum(v) ? Math.log1p(v) : v === null ? null : NaN;
    // An unseen category is all zeros, a null too.
    case 'onehot': { const s = v === null ? null : String(v); return op.categories.map((c) => (c === s ? 1 : 0)); }
    case 'frequency': return v === null ? 0 : op.shares[String(v)] ?? 0;
    case 'target': return v === null ? op.prior : op.means[String(v)] ?? op.prior;
    case 'bucketize': {
      if (!isNum(v)) return v === null ? null : NaN;
      let b = 0;
      while (b < op.edges.length && v >= op.edges[b]!) b++;
      return b;
    }
  }
}
