/**
 * @module Seeded, stratified splits: a holdout split and k folds that keep each class's share
 * (or, for a numeric target, shuffle only). The same seed gives the same rows on every machine.
 */
import { InvalidParameter } from '../../../core/errors.js';

/** mulberry32: small, fast, and the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Row indexes grouped by stratum (a class label), each group shuffled. */
function strata(labels: readonly (string | number)[] | undefined, n: number, rand: () => number): number[][] {
  if (!labels) return [shuffled(Array.from({ length: n }, (_, i) => i), rand)];
  const groups = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const k = String(l);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(i);
  });
  return [...groups.keys()].sort().map((k) => shuffled(groups.get(k)!, rand));
}

/** A holdout split: `test` is a share in (0, 1); each stratum contributes round(share · size). */
export function stratifiedSplit(n: number, opts: { test: number; seed: number; labels?: readonly (string | number)[] }): { train: number[]; test: number[] } {
  if (!(opts.test > 0 && opts.test < 1)) throw new InvalidParameter(`split.test: a share between 0 and 1 (e.g. 0.2), got ${opts.test}.`);
  if (opts.labels && opts.labels.length !== n) throw new InvalidParameter(`split: ${opts.labels.length} labels for ${n} rows.`);
  const rand = seededRandom(opts.seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const g of strata(opts.labels, n, rand)) {
    const k = Math.round(g.length * opts.test);
    test.push(...g.slice(0, k));
    train.push(...g.slice(k));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/** k folds, each a validation set; stratified when labels are given (dealt round-robin). */
export function kFold(n: number, opts: { k: number; seed: number; labels?: readonly (string | number)[] }): { train: number[]; validation: number[] }[] {
  if (!Number.isInteger(opts.k) || opts.k < 2 || opts.k > n) throw new InvalidParameter(`kFold: k must be an integer from 2 to the row count (${n}), got ${opts.k}.`);
  const rand = seededRandom(opts.seed);
  const folds: number[][] = Array.from({ length: opts.k }, () => []);
  let next = 0;
  for (const g of strata(opts.labels, n, rand)) for (const i of g) folds[next++ % opts.k]!.push(i);
  return folds.map((validation, f) => ({
    validation: validation.sort((a, b) => a - b),
    train: folds.flatMap((fold, j) => (j === f ? [] : fold)).sort((a, b) => a - b),
  }));
}
