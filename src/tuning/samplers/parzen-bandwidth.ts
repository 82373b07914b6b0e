/**
 * @module TPE's univariate bandwidth rule (Optuna, reference section 3.1 step 4): sort the
 * kernel centres between the bounds; each centre's sigma is its larger gap to a neighbour;
 * with `considerEndpoints` false the two extreme centres use only their inner gap.
 */

/** Writes into sigmas[0..n) the neighbour-rule bandwidths of mus[0..n). */
export function neighbourBandwidths(mus: Float64Array, n: number, low: number, high: number, considerEndpoints: boolean, sigmas: Float64Array): void {
  if (n === 0) return;
  const { sorted, rank } = sortRanks(mus, n);
  const bySortedRank = gapsBySortedRank(sorted, n, low, high, considerEndpoints);
  for (let i = 0; i < n; i++) sigmas[i] = bySortedRank[rank[i]!]!;
}

/**
 * The same rule for mus[0..m) already ascending; with `withPrior`, the prior centre mus[m]
 * takes part as a neighbour (its own bandwidth is overwritten by the caller).
 */
export function neighbourBandwidthsSorted(mus: Float64Array, m: number, withPrior: boolean, low: number, high: number, considerEndpoints: boolean, sigmas: Float64Array): void {
  const n = m + (withPrior ? 1 : 0);
  if (n === 0) return;
  let sorted: Float64Array = mus;
  let p = n; // rank of the prior, n when it takes no part
  if (withPrior) {
    const c = mus[m]!;
    p = 0;
    let hi = m;
    while (p < hi) {
      const mid = (p + hi) >> 1;
      if (mus[mid]! < c) p = mid + 1;
      else hi = mid;
    }
    sorted = new Float64Array(n);
    sorted.set(mus.subarray(0, p));
    sorted[p] = c;
    sorted.set(mus.subarray(p, m), p + 1);
  }
  const bySortedRank = gapsBySortedRank(sorted, n, low, high, considerEndpoints);
  for (let i = 0; i < m; i++) sigmas[i] = bySortedRank[i < p ? i : i + 1]!;
}

/** The rule itself on ascending centres: each one's larger gap to a neighbour (bounds at the ends). */
function gapsBySortedRank(sorted: Float64Array, n: number, low: number, high: number, considerEndpoints: boolean): Float64Array {
  const at = (r: number): number => (r < 0 ? low : r >= n ? high : sorted[r]!);
  const gaps = new Float64Array(n);
  for (let r = 0; r < n; r++) gaps[r] = Math.max(at(r) - at(r - 1), at(r + 1) - at(r));
  if (!considerEndpoints && n >= 2) {
    gaps[0] = at(1) - at(0);
    gaps[n - 1] = at(n - 1) - at(n - 2);
  }
  return gaps;
}

/**
 * Rank of each of values[0..n) in ascending order (equal values take consecutive ranks). Sorts
 * a typed copy natively: an index sort with a comparator closure cost ~1 ms per parameter at
 * n = 1000.
 */
function sortRanks(values: Float64Array, n: number): { sorted: Float64Array; rank: Int32Array } {
  const sorted = values.slice(0, n).sort();
  const taken = new Int32Array(n);
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    rank[i] = lo + taken[lo]!++;
  }
  return { sorted, rank };
}
