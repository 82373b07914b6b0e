/**
 * @module A group of runs as one chart line: per x, the mean of the runs' values with a band
 * (min..max, or mean ± one standard deviation). Runs are bucketed independently, so their x
 * values differ: each run holds its last value between its own points (never before its first
 * or after its last), and every run present at an x counts there. Nothing is sampled: `n` says
 * how many runs each point stands for.
 */
export type BandKind = 'minmax' | 'std';

export interface GroupLine { xs: number[]; mean: (number | null)[]; lo: (number | null)[]; hi: (number | null)[]; n: number[] }

export function groupLine(runs: { xs: number[]; ys: (number | null)[] }[], band: BandKind): GroupLine {
  const set = new Set<number>();
  for (const r of runs) for (const x of r.xs) set.add(x);
  const xs = [...set].sort((a, b) => a - b);
  const out: GroupLine = { xs, mean: [], lo: [], hi: [], n: [] };
  const cursor = runs.map(() => -1);
  const held: (number | null)[] = runs.map(() => null);
  for (const x of xs) {
    const vals: number[] = [];
    runs.forEach((r, k) => {
      while (cursor[k]! + 1 < r.xs.length && r.xs[cursor[k]! + 1]! <= x) {
        cursor[k]!++;
        const y = r.ys[cursor[k]!];
        if (y !== null && y !== undefined && Number.isFinite(y)) held[k] = y;
      }
      const inside = cursor[k]! >= 0 && x <= r.xs[r.xs.length - 1]!;
      if (inside && held[k] !== null) vals.push(held[k]!);
    });
    out.n.push(vals.length);
    if (!vals.length) {
      out.mean.push(null), out.lo.push(null), out.hi.push(null);
      continue;
    }
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    out.mean.push(mean);
    if (band === 'minmax') {
      out.lo.push(Math.min(...vals));
      out.hi.push(Math.max(...vals));
    } else {
      const std = vals.length > 1 ? Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1)) : 0;
      out.lo.push(mean - std);
      out.hi.push(mean + std);
    }
  }
  return out;
}
