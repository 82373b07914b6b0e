/** Nested runs (MLflow's mlflow.parentRunId tag) as tree rows over the runs loaded so far. */
export interface TreeRow<R> {
  run: R;
  depth: number;
  children: number;
}

export function treeRows<R>(runs: R[], id: (r: R) => string, parent: (r: R) => string | undefined, expanded: Set<string>): TreeRow<R>[] {
  const ids = new Set(runs.map(id));
  const kids = new Map<string, R[]>();
  const top: R[] = [];
  for (const r of runs) {
    const p = parent(r);
    if (p && ids.has(p) && p !== id(r)) {
      if (!kids.has(p)) kids.set(p, []);
      kids.get(p)!.push(r);
    } else top.push(r);
  }
  const out: TreeRow<R>[] = [];
  const seen = new Set<string>();
  const walk = (r: R, depth: number) => {
    if (seen.has(id(r))) return;
    seen.add(id(r));
    const c = kids.get(id(r)) ?? [];
    out.push({ run: r, depth, children: c.length });
    if (expanded.has(id(r))) for (const k of c) walk(k, depth + 1);
  };
  for (const r of top) walk(r, 0);
  return out;
}

/** Mean and sample standard deviation, ignoring nulls and NaN. */
export function meanStd(values: (number | null)[]): { mean: number; std: number; n: number } | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (!v.length) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}
