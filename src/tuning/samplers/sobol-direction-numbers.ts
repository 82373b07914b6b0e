/**
 * @module Sobol direction numbers (Bratley & Fox 1988, with Joe & Kuo's 2008 initial values).
 *
 * Dimension j > 1 is defined by a primitive polynomial over GF(2),
 *   x^s + a_1 x^(s-1) + ... + a_(s-1) x + 1,
 * whose inner coefficients are the bits of `a` (a_1 the most significant), and by s odd
 * initial values m_k < 2^k. Further m_k follow from the recurrence
 *   m_k = 2 a_1 m_(k-1) ^ 4 a_2 m_(k-2) ^ ... ^ 2^s m_(k-s) ^ m_(k-s),
 * and the k-th direction number is the binary fraction v_k = m_k / 2^k. Dimension 1 is the
 * van der Corput sequence in base 2 (every m_k = 1).
 *
 * Joe and Kuo searched the m values so that two-dimensional projections are as even as they
 * can make them ("new-joe-kuo-6.21201", criterion D6), which is what scipy's Sobol, and so
 * Optuna's QMCSampler, uses. Only the first 64 dimensions are carried (the rows below are that
 * file's dimensions 2..64): enough for QMC over a hyperparameter space, and small enough to
 * check whole. The tests check that the polynomials are exactly the primitive ones of degree
 * <= 9 in increasing order, that every m_k is odd and below 2^k, and that the first 1024
 * unscrambled points equal scipy's in all 64 dimensions.
 */
import { InvalidParameter } from '../../core/errors.js';

/** Bits of precision: 30 keeps every value a non-negative 32-bit integer for JS bitwise ops. */
export const SOBOL_BITS = 30;

/** Rows `s a m_1 .. m_s` for dimensions 2, 3, ... (data from new-joe-kuo-6.21201). */
export const JOE_KUO_ROWS: readonly string[] = [
  '1 0 1', '2 1 1 3', '3 1 1 3 1', '3 2 1 1 1', '4 1 1 1 3 3', '4 4 1 3 5 13', '5 2 1 1 5 5 17',
  '5 4 1 1 5 5 5', '5 7 1 1 7 11 19', '5 11 1 1 5 1 1', '5 13 1 1 1 3 11', '5 14 1 3 5 5 31',
  '6 1 1 3 3 9 7 49', '6 13 1 1 1 15 21 21', '6 16 1 3 1 13 27 49', '6 19 1 1 1 15 7 5',
  '6 22 1 3 1 15 13 25', '6 25 1 1 5 5 19 61', '7 1 1 3 7 11 23 15 103', '7 4 1 3 7 13 13 15 69',
  '7 7 1 1 3 13 7 35 63', '7 8 1 3 5 9 1 25 53', '7 14 1 3 1 13 9 35 107', '7 19 1 3 1 5 27 61 31',
  '7 21 1 1 5 11 19 41 61', '7 28 1 3 5 3 3 13 69', '7 31 1 1 7 13 1 19 1', '7 32 1 3 7 5 13 19 59',
  '7 37 1 1 3 9 25 29 41', '7 41 1 3 5 13 23 1 55', '7 42 1 3 7 3 13 59 17', '7 50 1 3 1 3 5 53 69',
  '7 55 1 1 5 5 23 33 13', '7 56 1 1 7 7 1 61 123', '7 59 1 1 7 9 13 61 49', '7 62 1 3 3 5 3 55 33',
  '8 14 1 3 1 15 31 13 49 245', '8 21 1 3 5 15 31 59 63 97', '8 22 1 3 1 11 11 11 77 249',
  '8 38 1 3 1 11 27 43 71 9', '8 47 1 1 7 15 21 11 81 45', '8 49 1 3 7 3 25 31 65 79',
  '8 50 1 3 1 1 19 11 3 205', '8 52 1 1 5 9 19 21 29 157', '8 56 1 3 7 11 1 33 89 185',
  '8 67 1 3 3 3 15 9 79 71', '8 70 1 3 7 11 15 39 119 27', '8 84 1 1 3 1 11 31 97 225',
  '8 97 1 1 1 3 23 43 57 177', '8 103 1 3 7 7 17 17 37 71', '8 115 1 3 1 5 27 63 123 213',
  '8 122 1 1 3 5 11 43 53 133', '9 8 1 3 5 5 29 17 47 173 479', '9 13 1 3 3 11 3 1 109 9 69',
  '9 16 1 1 1 5 17 39 23 5 343', '9 22 1 3 1 5 25 15 31 103 499', '9 25 1 1 1 11 11 17 63 105 183',
  '9 44 1 1 5 11 9 29 97 231 363', '9 47 1 1 5 15 19 45 41 7 383', '9 52 1 3 7 7 31 19 83 137 221',
  '9 55 1 1 1 3 23 15 111 223 83', '9 59 1 1 5 13 31 15 55 25 161', '9 62 1 1 3 13 25 47 39 87 257',
];

export const SOBOL_MAX_DIMS = JOE_KUO_ROWS.length + 1;

export interface SobolPolynomial {
  degree: number;
  /** Inner coefficients a_1..a_(s-1) as bits, a_1 the most significant. */
  inner: number;
  initialM: readonly number[];
}

export function sobolPolynomial(dimension: number): SobolPolynomial {
  const row = JOE_KUO_ROWS[dimension - 2];
  if (row === undefined) throw new RangeError(`No Sobol polynomial for dimension ${dimension}.`);
  const [degree, inner, ...initialM] = row.split(' ').map(Number) as [number, number, ...number[]];
  return { degree, inner, initialM };
}

/**
 * Direction numbers v_1..v_30 of one dimension (1-based, as in the literature), each scaled
 * by 2^30 so that bit 29 is the 1/2 digit.
 */
export function directionNumbers(dimension: number): Int32Array {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > SOBOL_MAX_DIMS) {
    throw new InvalidParameter(`Sobol dimension must be 1..${SOBOL_MAX_DIMS}, got ${dimension}.`);
  }
  const v = new Int32Array(SOBOL_BITS);
  if (dimension === 1) {
    for (let k = 0; k < SOBOL_BITS; k++) v[k] = 1 << (SOBOL_BITS - 1 - k);
    return v;
  }
  const { degree: s, inner: a, initialM } = sobolPolynomial(dimension);
  for (let k = 0; k < SOBOL_BITS; k++) {
    if (k < s) {
      v[k] = initialM[k]! << (SOBOL_BITS - 1 - k);
      continue;
    }
    // The m recurrence, written on the scaled numbers: 2^i m_(k-i) / 2^k becomes v_(k-i)
    // itself, and the trailing m_(k-s) becomes v_(k-s) shifted s digits further right.
    let x = v[k - s]! ^ (v[k - s]! >>> s);
    for (let i = 1; i < s; i++) if ((a >>> (s - 1 - i)) & 1) x ^= v[k - i]!;
    v[k] = x;
  }
  return v;
}
