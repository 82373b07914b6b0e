/**
 * @module Scrambled Halton points: the radical inverse of the point index in the d-th prime
 * base, with a random permutation of the digits 0..b-1 per (dimension, digit position)
 * (random-permutation scrambling). Scrambling breaks the strong correlation between
 * dimensions with large prime bases that plain Halton shows from about d = 8 on, and makes
 * the first point a random one instead of the corner 0.
 */
import { Rng } from '../prng.js';

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113];

export function nthPrime(i: number): number {
  if (i < PRIMES.length) return PRIMES[i]!;
  let p = PRIMES[PRIMES.length - 1]!;
  let count = PRIMES.length - 1;
  while (count < i) {
    p += 2;
    let prime = true;
    for (let q = 3; q * q <= p; q += 2) if (p % q === 0) prime = false;
    if (prime) count++;
  }
  return p;
}

export class ScrambledHalton {
  private readonly bases: number[];
  /** perms[dim][position] is a permutation of 0..base-1; null when not scrambled. */
  private readonly perms: (Int32Array[] | null)[];

  constructor(dims: number, opts: { seed?: number; scramble?: boolean } = {}) {
    this.bases = Array.from({ length: dims }, (_, i) => nthPrime(i));
    const scramble = opts.scramble ?? true;
    const rng = new Rng(opts.seed ?? 0);
    this.perms = this.bases.map((b) => {
      if (!scramble) return null;
      // Enough digit positions for double precision: b^-k < 2^-53.
      const positions = Math.ceil(53 / Math.log2(b));
      return Array.from({ length: positions }, () => Int32Array.from(rng.shuffle([...Array(b).keys()])));
    });
  }

  /** The index-th point (index >= 0) in [0, 1)^d. */
  point(index: number): number[] {
    return this.bases.map((b, d) => {
      const perm = this.perms[d];
      let x = 0;
      let f = 1 / b;
      let n = index;
      const positions = perm ? perm.length : Infinity;
      for (let k = 0; k < positions && (perm || n > 0); k++) {
        const digit = n % b;
        x += (perm ? perm[k]![digit]! : digit) * f;
        n = Math.floor(n / b);
        f /= b;
      }
      return Math.min(x, 1 - Number.EPSILON);
    });
  }
}
