import { describe, expect, it } from 'vitest';
import { Rng } from './prng.js';
import { erfc, logDiffNdtr, logNdtr, ndtr, ndtri } from './special-functions.js';

describe('Rng', () => {
  it('repeats bit for bit for a seed and differs across seeds and streams', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(xs);
    expect(new Rng(43).random()).not.toBe(xs[0]);
    expect(Rng.derive(42, 'trial', 1).random()).not.toBe(Rng.derive(42, 'trial', 2).random());
    expect(Rng.derive(42, 'trial', 1).random()).toBe(Rng.derive(42, 'trial', 1).random());
  });

  it('is uniform and normal to within sampling error', () => {
    const r = new Rng(7);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < n; i++) {
      const u = r.random();
      if (!(u >= 0 && u < 1)) throw new Error(`out of range: ${u}`);
      bins[Math.floor(u * 10)]!++;
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    for (const b of bins) expect(Math.abs(b - n / 10)).toBeLessThan(500); // ~5 sigma
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });
});

describe('special functions', () => {
  it('matches reference values', () => {
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 6);
    expect(erfc(1) / 0.157299207050285).toBeCloseTo(1, 6);
    expect(erfc(2) / 0.004677734981047266).toBeCloseTo(1, 6);
    expect(ndtr(0)).toBeCloseTo(0.5, 7);
    expect(logNdtr(-40)).toBeCloseTo(-804.6084420137538, 3); // no underflow deep in the tail
    expect(ndtri(0.975)).toBeCloseTo(1.959963984540054, 7);
    for (const p of [1e-10, 0.01, 0.3, 0.5, 0.9, 1 - 1e-9]) expect(ndtr(ndtri(p)) / p).toBeCloseTo(1, 5);
  });

  it('computes narrow and tail interval masses stably', () => {
    expect(Math.exp(logDiffNdtr(-1, 1))).toBeCloseTo(0.6826894921370859, 6);
    expect(Math.exp(logDiffNdtr(0.1, 0.1001)) / (0.0001 * Math.exp(-0.5 * 0.10005 ** 2) / Math.sqrt(2 * Math.PI))).toBeCloseTo(1, 6);
    expect(logDiffNdtr(30, 31)).toBeCloseTo(logNdtr(-30), 2);
    expect(Number.isFinite(logDiffNdtr(-50, -49))).toBe(true);
  });
});
