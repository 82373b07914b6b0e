/**
 * @module Uniformity measures for the QMC sequence tests (used by *.test.ts only).
 */

/** Warnock's formula for the L2 star discrepancy of points in [0, 1]^d. */
export function l2Star(points: number[][]): number {
  const n = points.length;
  const d = points[0]!.length;
  let a = 0;
  for (const p of points) a += p.reduce((s, x) => s * (1 - x * x), 1);
  let b = 0;
  for (const p of points) for (const q of points) b += p.reduce((s, x, k) => s * (1 - Math.max(x, q[k]!)), 1);
  return Math.sqrt(3 ** -d - (2 ** (1 - d) / n) * a + b / (n * n));
}

/** How many of the 2^a x 2^b elementary boxes of [0, 1)^2 the (x, y) points fall into. */
export function occupiedBoxes(points: readonly (readonly [number, number])[], a: number, b: number): number {
  return new Set(points.map(([x, y]) => Math.floor(x * 2 ** a) * 2 ** b + Math.floor(y * 2 ** b))).size;
}
