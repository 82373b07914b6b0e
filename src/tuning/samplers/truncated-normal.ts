/**
 * @module Sampling a Gaussian truncated to [low, high] by inverting its CDF.
 */
import type { Rng } from '../prng.js';
import { ndtr, ndtri } from '../special-functions.js';

/**
 * One draw from N(mu, sigma^2) restricted to [low, high]. Intervals wholly above the mean are
 * mirrored below it, where Phi keeps its relative precision, so a kernel far from its
 * interval (a range that changed between trials) still samples inside it.
 */
export function sampleTruncatedNormal(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  let a = (low - mu) / sigma;
  let b = (high - mu) / sigma;
  const flip = a > 0;
  if (flip) [a, b] = [-b, -a];
  const pa = ndtr(a);
  const pb = ndtr(b);
  let z: number;
  if (pb - pa > 0) {
    z = ndtri(pa + rng.random() * (pb - pa));
    z = Math.min(b, Math.max(a, z));
  } else {
    z = b; // both ends beyond 37 sigma: the nearer end carries all the mass
  }
  const x = mu + sigma * (flip ? -z : z);
  return Math.min(high, Math.max(low, x));
}
