/**
 * @module Drift between a reference sample and a current one: PSI on reference-quantile bins,
 * the two-sample Kolmogorov–Smirnov statistic with its asymptotic p-value, and Jensen–Shannon
 * divergence (base 2, so in [0, 1]) on the same bins. Categorical columns use one bin per
 * category. Readings for PSI: < 0.1 stable, 0.1–0.2 moderate, > 0.2 significant.
 */

/** Frequencies below this are floored so PSI's logarithm stays finite (an empty bin is common). */
export const PSI_EPSILON = 1e-4;

export interface Histogram {
  /** Bin labels: category names, or `[lo, hi)` ranges. */
  labels: string[];
  reference: number[];
  current: number[];
}

/** Upper edges of `bins` reference-quantile bins (duplicates merged for discrete columns). */
export function quantileEdges(reference: readonly number[], bins = 10): number[] {
  const sorted = [...reference].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const q = sorted[Math.min(sorted.length - 1, Math.floor((b * sorted.length) / bins))]!;
    if (!edges.length || q > edges[edges.length - 1]!) edges.push(q);
  }
  return edges;
}

function binOf(x: number, edges: readonly number[]): number {
  // Bin b holds edges[b-1] <= x < edges[b]; binary search over sorted edges.
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Shares of each sample in the reference's quantile bins. */
export function numericHistogram(reference: readonly number[], current: readonly number[], bins = 10): Histogram {
  const edges = quantileEdges(reference, bins);
  const count = (xs: readonly number[]) => {
    const h = new Array<number>(edges.length + 1).fill(0);
    for (const x of xs) h[binOf(x, edges)]++;
    return h.map((c) => (xs.length ? c / xs.length : 0));
  };
  const labels = Array.from({ length: edges.length + 1 }, (_, b) => `[${b === 0 ? '-inf' : fmt(edges[b - 1]!)}, ${b === edges.length ? 'inf' : fmt(edges[b]!)})`);
  return { labels, reference: count(reference), current: count(current) };
}

/** Shares per category over the union of both samples' categories. */
export function categoricalHistogram(reference: readonly string[], current: readonly string[]): Histogram {
  const labels = [...new Set([...reference, ...current])].sort();
  const share = (xs: readonly string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return labels.map((l) => (xs.length ? (m.get(l) ?? 0) / xs.length : 0));
  };
  return { labels, reference: share(reference), current: share(current) };
}

/** Population stability index: Σ (cur − ref) · ln(cur / ref), shares floored at PSI_EPSILON. */
export function psi(h: Pick<Histogram, 'reference' | 'current'>): number {
  let sum = 0;
  for (let i = 0; i < h.reference.length; i++) {
    const r = Math.max(PSI_EPSILON, h.reference[i]!);
    const c = Math.max(PSI_EPSILON, h.current[i]!);
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}

/** Jensen–Shannon divergence in bits (scipy's `jensenshannon(p, q, base=2) ** 2`). */
export function jensenShannon(h: Pick<Histogram, 'reference' | 'current'>): number {
  const sr = h.reference.reduce((a, b) => a + b, 0);
  const sc = h.current.reduce((a, b) => a + b, 0);
  if (sr === 0 || sc === 0) return sr === sc ? 0 : 1;
  let js = 0;
  for (let i = 0; i < h.reference.length; i++) {
    const p = h.reference[i]! / sr;
    const q = h.current[i]! / sc;
    const m = (p + q) / 2;
    if (p > 0) js += 0.5 * p * Math.log2(p / m);
    if (q > 0) js += 0.5 * q * Math.log2(q / m);
  }
  return Math.max(0, js);
}

/**
 * Two-sample KS: D = sup |F_ref − F_cur|, p from the Kolmogorov distribution at
 * (√nₑ + 0.12 + 0.11/√nₑ)·D with nₑ = n·m/(n+m) (Stephens' small-sample correction).
 */
export function ksTest(reference: readonly number[], current: readonly number[]): { statistic: number; pValue: number } {
  if (!reference.length || !current.length) return { statistic: 0, pValue: 1 };
  const a = [...reference].sort((x, y) => x - y);
  const b = [...current].sort((x, y) => x - y);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i]! <= x) i++;
    while (j < b.length && b[j]! <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  const en = Math.sqrt((a.length * b.length) / (a.length + b.length));
  return { statistic: d, pValue: kolmogorovQ((en + 0.12 + 0.11 / en) * d) };
}

/** Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, the Kolmogorov survival function. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let prev = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) <= 1e-10 * Math.abs(sum) || Math.abs(term) <= 1e-12 * prev) return Math.min(1, Math.max(0, sum));
    prev = Math.abs(term);
  }
  return 1; // did not converge: lambda is tiny, the samples are indistinguishable
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
