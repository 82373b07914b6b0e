/**
 * @module Symmetric eigendecomposition (cyclic Jacobi) for CMA-ES. Dimensions in HPO are
 * small (d <= ~50), where Jacobi's O(d^3) per sweep and ~6-10 sweeps cost well under a
 * millisecond, and it is simple and accurate to machine precision.
 */

/** A = V diag(w) V^T for a symmetric d x d matrix given row-major; V's columns are eigenvectors. */
export function symmetricEigen(a: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * d + q]! - m[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k * d + p]!;
          const mkq = m[k * d + q]!;
          m[k * d + p] = c * mkp - s * mkq;
          m[k * d + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p * d + k]!;
          const mqk = m[q * d + k]!;
          m[p * d + k] = c * mpk - s * mqk;
          m[q * d + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = m[i * d + i]!;
  return { values, vectors: v };
}
