/**
 * @module Scrambled Sobol points, in Gray-code order (the order scipy and so Optuna use: the
 * unscrambled first coordinates run 0, 1/2, 3/4, 1/4, 3/8, ...).
 *
 * Point n XORs together the direction numbers picked by the bits of gray(n) = n ^ (n >> 1), so
 * any index costs O(dims * bits) without generating the ones before it; consecutive indices
 * differ in one Gray-code bit, which `points` uses to step in O(dims).
 *
 * Scrambling, as scipy does it: a random linear matrix scramble (each dimension's direction
 * numbers multiplied by a random lower-triangular binary matrix with unit diagonal, so digit r
 * of a coordinate is mixed only with the more significant digits) followed by a random digital
 * shift (XOR with random bits). Both keep every (t, m, s)-net property of the plain sequence,
 * remove the plain sequence's habit of starting at the corner 0 and its correlations in
 * poorly-matched dimension pairs, and make the points a randomised QMC design.
 */
import { InvalidParameter } from '../../core/errors.js';
import { Rng } from '../prng.js';
import { directionNumbers, SOBOL_BITS, SOBOL_MAX_DIMS } from './sobol-direction-numbers.js';

const SCALE = 2 ** SOBOL_BITS;
const ALL_BITS = SCALE - 1;

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/** Rows of a random lower-triangular GF(2) matrix with unit diagonal; row r yields digit r. */
function randomLowerTriangular(rng: Rng): Int32Array {
  const rows = new Int32Array(SOBOL_BITS);
  for (let r = 0; r < SOBOL_BITS; r++) {
    const diagonal = 1 << (SOBOL_BITS - 1 - r);
    const moreSignificant = ALL_BITS & ~(2 * diagonal - 1);
    rows[r] = diagonal | (rng.nextUint32() & moreSignificant);
  }
  return rows;
}

function multiply(rows: Int32Array, v: number): number {
  let out = 0;
  for (let r = 0; r < SOBOL_BITS; r++) out |= parity(v & rows[r]!) << (SOBOL_BITS - 1 - r);
  return out;
}

export class ScrambledSobol {
  static readonly MAX_DIMS = SOBOL_MAX_DIMS;
  /** Points past this index would need more than SOBOL_BITS direction numbers. */
  static readonly MAX_INDEX = SCALE - 1;

  /** directions[d][k]: the (scrambled) k-th direction number of dimension d, scaled by 2^30. */
  private readonly directions: Int32Array[];
  /** The digital shift per dimension (0 when not scrambled), which is also point 0. */
  private readonly shifts: Int32Array;

  constructor(dims: number, opts: { seed?: number; scramble?: boolean } = {}) {
    if (!Number.isInteger(dims) || dims < 0) throw new InvalidParameter(`Sobol dimension count must be a non-negative integer, got ${dims}.`);
    if (dims > SOBOL_MAX_DIMS) {
      throw new InvalidParameter(`The Sobol sequence supports at most ${SOBOL_MAX_DIMS} dimensions (parameters), got ${dims}; use qmc_type 'halton' for more.`);
    }
    const scramble = opts.scramble ?? true;
    const seed = opts.seed ?? 0;
    this.shifts = new Int32Array(dims);
    this.directions = Array.from({ length: dims }, (_, d) => {
      const plain = directionNumbers(d + 1);
      if (!scramble) return plain;
      // One stream per dimension, so a dimension's scramble does not depend on how many
      // dimensions the sequence was built with.
      const rng = Rng.derive(seed, 'sobol-scramble', d);
      const matrix = randomLowerTriangular(rng);
      this.shifts[d] = rng.nextUint32() & ALL_BITS;
      return plain.map((v) => multiply(matrix, v));
    });
  }

  get dims(): number {
    return this.directions.length;
  }

  /** The index-th point (0 <= index <= MAX_INDEX) in [0, 1)^d. */
  point(index: number): number[] {
    this.checkIndex(index);
    const gray = index ^ (index >>> 1);
    return this.directions.map((v, d) => {
      let x = this.shifts[d]!;
      for (let k = 0, g = gray; g !== 0; k++, g >>>= 1) if (g & 1) x ^= v[k]!;
      return x / SCALE;
    });
  }

  /** Points start..start+count-1, stepping one Gray-code bit at a time. */
  points(start: number, count: number): number[][] {
    if (!Number.isInteger(count) || count < 0) throw new InvalidParameter(`Sobol point count must be a non-negative integer, got ${count}.`);
    if (count === 0) return [];
    this.checkIndex(start + count - 1);
    const first = this.point(start);
    const x = Int32Array.from(first, (u) => u * SCALE);
    const out = [first];
    for (let n = start; n < start + count - 1; n++) {
      // gray(n) and gray(n + 1) differ in the bit of n's lowest zero bit.
      const k = 31 - Math.clz32(~n & (n + 1));
      for (let d = 0; d < x.length; d++) x[d] = x[d]! ^ this.directions[d]![k]!;
      out.push(Array.from(x, (v) => v / SCALE));
    }
    return out;
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index > ScrambledSobol.MAX_INDEX) {
      throw new InvalidParameter(`Sobol point index must be an integer in 0..${ScrambledSobol.MAX_INDEX}, got ${index}.`);
    }
  }
}
