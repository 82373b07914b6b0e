/**
 * @module Search spaces inferred from finished trials, for relative (joint) sampling.
 */
import { distributionsEqual, isSingle, type Distribution } from './distributions.js';
import type { FrozenTrial } from './frozen-trial.js';
import type { SearchSpace } from './samplers/sampler.js';

function counted(t: FrozenTrial, includePruned: boolean): boolean {
  return t.state === 'COMPLETE' || (includePruned && t.state === 'PRUNED');
}

/**
 * Params present in every COMPLETE (optionally PRUNED) trial with the same distribution, in
 * name order. Single-value params are dropped: there is nothing to sample.
 */
export function intersectionSearchSpace(trials: readonly FrozenTrial[], includePruned = false): SearchSpace {
  let space: Map<string, Distribution> | null = null;
  for (const t of trials) {
    if (!counted(t, includePruned)) continue;
    if (space === null) {
      space = new Map(Object.entries(t.distributions));
      continue;
    }
    for (const [name, d] of space) {
      const other = t.distributions[name];
      if (other === undefined || !distributionsEqual(d, other)) space.delete(name);
    }
    if (space.size === 0) break;
  }
  const out: Record<string, Distribution> = {};
  if (space === null) return out;
  for (const name of [...space.keys()].sort()) {
    const d = space.get(name)!;
    if (!isSingle(d)) out[name] = d;
  }
  return out;
}

/**
 * The coarsest partition of params such that every counted trial's param set is a union of
 * parts (Optuna's `group=True`). Each part can be modelled jointly from the trials that hold
 * it. Distribution per name: the latest trial's.
 */
export function groupDecomposedSearchSpace(trials: readonly FrozenTrial[], includePruned = false): SearchSpace[] {
  let groups: Set<string>[] = [];
  const latest = new Map<string, Distribution>();
  for (const t of trials) {
    if (!counted(t, includePruned)) continue;
    const names = Object.keys(t.distributions).filter((n) => !isSingle(t.distributions[n]!));
    for (const n of names) latest.set(n, t.distributions[n]!);
    const s = new Set(names);
    if (s.size === 0) continue;
    const next: Set<string>[] = [];
    const covered = new Set<string>();
    for (const g of groups) {
      const inside = new Set<string>();
      const outside = new Set<string>();
      for (const n of g) (s.has(n) ? inside : outside).add(n);
      if (inside.size) next.push(inside);
      if (outside.size) next.push(outside);
      for (const n of g) covered.add(n);
    }
    const fresh = new Set([...s].filter((n) => !covered.has(n)));
    if (fresh.size) next.push(fresh);
    groups = next;
  }
  return groups.map((g) => {
    const out: Record<string, Distribution> = {};
    for (const n of [...g].sort()) out[n] = latest.get(n)!;
    return out;
  });
}
