/**
 * @module Seedable pseudo-random numbers for the tuning engine.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counter, 128-bit state, passes PractRand to 2^62
 * bytes) seeded through splitmix32. We need our own generator because `Math.random` cannot be
 * seeded, and a seeded study must repeat bit for bit. Each trial gets its own stream derived
 * from (seed, trial number), so a trial's draws do not depend on how many draws earlier trials
 * made: this keeps sequential studies repeatable and parallel ones independent of scheduling
 * as far as the sampler's randomness goes.
 */

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** splitmix32 step: a well-mixed 32-bit output for each successive state. */
function splitmix32(state: number): [next: number, out: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  z = z ^ (z >>> 15);
  return [next, z >>> 0];
}

/** Folds any finite number or string into 32 bits (deterministically). */
function hashPart(h: number, part: number | string): number {
  if (typeof part === 'string') {
    for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193);
    return splitmix32(h)[1];
  }
  const lo = part % TWO_POW_32 >>> 0;
  const hi = Math.floor(part / TWO_POW_32) >>> 0;
  h = splitmix32(h ^ lo)[1];
  return splitmix32(h ^ hi)[1];
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed any 32-bit integer (larger numbers are folded); the same seed gives the same stream. */
  constructor(seed: number) {
    let s = seed | 0;
    const take = (): number => {
      const [next, out] = splitmix32(s);
      s = next;
      return out;
    };
    this.a = take();
    this.b = take();
    this.c = take();
    this.d = take();
    // The reference implementation discards 12 outputs so the first ones are well mixed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A generator for a named sub-stream, e.g. `Rng.derive(seed, 'trial', 17)`. */
  static derive(seed: number, ...parts: ReadonlyArray<number | string>): Rng {
    let h = hashPart(0x2545f491, seed);
    for (const p of parts) h = hashPart(h, p);
    return new Rng(h);
  }

  /** A fresh random 32-bit seed for studies created without one. */
  static randomSeed(): number {
    return Math.floor(Math.random() * TWO_POW_32) >>> 0;
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Standard normal (Box-Muller; no cached second value, so the stream position stays simple). */
  normal(): number {
    const u1 = 1 - this.random(); // (0, 1]
    const u2 = this.random();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** One element chosen uniformly. */
  choice<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}
