import { describe, expect, it } from 'vitest';
import { InvalidParameter } from '../../core/errors.js';
import { Rng } from '../prng.js';
import { l2Star, occupiedBoxes } from './qmc.test-helpers.js';
import { ScrambledSobol } from './sobol.js';
import { JOE_KUO_ROWS, sobolPolynomial, SOBOL_MAX_DIMS } from './sobol-direction-numbers.js';

/** Multiplicative order of x modulo the GF(2) polynomial `poly` of degree s is 2^s - 1. */
function isPrimitive(poly: number, s: number): boolean {
  const period = 2 ** s - 1;
  let x = 1;
  for (let k = 1; k <= period; k++) {
    x <<= 1;
    if (x & (1 << s)) x ^= poly;
    if (x === 1) return k === period;
  }
  return false;
}

function primitivePolynomials(maxDegree: number): string[] {
  const out: string[] = [];
  for (let s = 1; s <= maxDegree; s++) {
    for (let a = 0; a < 2 ** (s - 1); a++) if (isPrimitive((1 << s) | (a << 1) | 1, s)) out.push(`${s} ${a}`);
  }
  return out;
}

const firstPoints = (seq: ScrambledSobol, n: number) => Array.from({ length: n }, (_, i) => seq.point(i));

describe('Sobol direction numbers (Joe & Kuo new-joe-kuo-6.21201)', () => {
  it('lists exactly the primitive polynomials of each degree, in increasing order', () => {
    const rows = JOE_KUO_ROWS.map((_, i) => sobolPolynomial(i + 2));
    const listed = rows.map((p) => `${p.degree} ${p.inner}`);
    expect(listed).toEqual(primitivePolynomials(9).slice(0, listed.length));
  });

  it('has s odd initial values m_k < 2^k per row', () => {
    for (let dim = 2; dim <= SOBOL_MAX_DIMS; dim++) {
      const { degree, initialM } = sobolPolynomial(dim);
      expect(initialM).toHaveLength(degree);
      initialM.forEach((m, k) => {
        expect(m % 2).toBe(1);
        expect(m).toBeLessThan(2 ** (k + 1));
      });
    }
  });
});

describe('unscrambled Sobol (Gray-code order, as scipy)', () => {
  const plain = new ScrambledSobol(SOBOL_MAX_DIMS, { scramble: false });

  it('starts with the known points in dimensions 1-3', () => {
    const pts = firstPoints(plain, 8);
    expect(pts.map((p) => p[0])).toEqual([0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125]);
    expect(pts.map((p) => p[1])).toEqual([0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625]);
    expect(pts.map((p) => p[2])).toEqual([0, 0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375]);
  });

  it('matches scipy 1.17 (qmc.Sobol(d=64, scramble=False, bits=30)) deep in the table', () => {
    // Coordinates times 2^30 of points 5, 100, 1000 and 4095 in dimensions 10, 33, 50 and 64.
    const expected: Record<number, number[]> = {
      5: [134217728, 402653184, 939524096, 671088640],
      100: [746586112, 276824064, 713031680, 696254464],
      1000: [74448896, 317718528, 514850816, 479199232],
      4095: [264503296, 816578560, 652476416, 594280448],
    };
    for (const [index, coords] of Object.entries(expected)) {
      const p = plain.point(Number(index));
      expect([10, 33, 50, 64].map((d) => p[d - 1]! * 2 ** 30)).toEqual(coords);
    }
  });

  it('matches scipy on all 64 dimensions of the first 1024 points (which fix every m_k)', () => {
    // FNV-1a over the 10-bit coordinates, point by point; 0x492987c5 is the same hash of
    // scipy's qmc.Sobol(d=64, scramble=False).random(1024). Points below 2^10 use v_1..v_10,
    // and the table's degrees are at most 9, so a wrong initial m anywhere changes this.
    let hash = 0x811c9dc5;
    for (const p of plain.points(0, 1024)) for (const u of p) hash = Math.imul(hash ^ (u * 2 ** 10), 0x01000193) >>> 0;
    expect(hash).toBe(0x492987c5);
  });

  it('puts exactly one of the first 2^m points in each of 2^m bins, in every dimension', () => {
    for (let m = 4; m <= 8; m++) {
      const pts = firstPoints(plain, 2 ** m);
      for (let d = 0; d < SOBOL_MAX_DIMS; d++) expect(new Set(pts.map((p) => Math.floor(p[d]! * 2 ** m))).size).toBe(2 ** m);
    }
  });

  it('makes dimensions 1-2 a (0, m, 2)-net: one point in each elementary box of volume 2^-m', () => {
    for (let m = 4; m <= 8; m++) {
      const pairs = firstPoints(plain, 2 ** m).map((p) => [p[0]!, p[1]!] as const);
      for (let a = 0; a <= m; a++) expect(occupiedBoxes(pairs, a, m - a)).toBe(2 ** m);
    }
  });

  it('gives the same point by index as by stepping through the sequence', () => {
    const stepped = plain.points(0, 300);
    stepped.forEach((p, i) => expect(p).toEqual(plain.point(i)));
    const far = 2 ** 20 - 3;
    plain.points(far, 10).forEach((p, i) => expect(p).toEqual(plain.point(far + i)));
  });
});

describe('scrambled Sobol', () => {
  it('is repeatable per seed and differs between seeds', () => {
    const a = firstPoints(new ScrambledSobol(5, { seed: 3 }), 16);
    expect(firstPoints(new ScrambledSobol(5, { seed: 3 }), 16)).toEqual(a);
    expect(firstPoints(new ScrambledSobol(5, { seed: 4 }), 16)).not.toEqual(a);
    // The digital shift moves point 0 off the corner.
    expect(a[0]!.every((u) => u > 0)).toBe(true);
  });

  it('keeps the net structure: one point per 1-D bin and per 2-D elementary box', () => {
    const seq = new ScrambledSobol(8, { seed: 11 });
    for (let m = 4; m <= 8; m++) {
      const pts = firstPoints(seq, 2 ** m);
      for (let d = 0; d < 8; d++) expect(new Set(pts.map((p) => Math.floor(p[d]! * 2 ** m))).size).toBe(2 ** m);
      const pairs = pts.map((p) => [p[0]!, p[1]!] as const);
      for (let a = 0; a <= m; a++) expect(occupiedBoxes(pairs, a, m - a)).toBe(2 ** m);
    }
  });

  it('stays in [0, 1) and agrees between point() and points()', () => {
    const seq = new ScrambledSobol(6, { seed: 5 });
    const stepped = seq.points(100, 200);
    stepped.forEach((p, i) => {
      expect(p).toEqual(seq.point(100 + i));
      for (const u of p) expect(u >= 0 && u < 1).toBe(true);
    });
  });

  it('is low-discrepancy: 256 points in 5-D well below random points of the same size', () => {
    const n = 256;
    const d = 5;
    const sobol = l2Star(firstPoints(new ScrambledSobol(d, { seed: 1 }), n));
    // E[D^2] of n independent uniform points is (2^-d - 3^-d) / n; ask for under half its root.
    expect(sobol).toBeLessThan(Math.sqrt((2 ** -d - 3 ** -d) / n) / 2);
    const rng = new Rng(1);
    const randomD = Array.from({ length: 10 }, () => l2Star(Array.from({ length: n }, () => Array.from({ length: d }, () => rng.random()))));
    expect(sobol).toBeLessThan(Math.min(...randomD));
  });

  it('scrambles a dimension the same whatever the dimension count', () => {
    const small = firstPoints(new ScrambledSobol(2, { seed: 9 }), 8).map((p) => p[1]);
    const large = firstPoints(new ScrambledSobol(10, { seed: 9 }), 8).map((p) => p[1]);
    expect(large).toEqual(small);
  });
});

describe('Sobol limits', () => {
  it('names the dimension limit', () => {
    expect(() => new ScrambledSobol(SOBOL_MAX_DIMS + 1)).toThrow(InvalidParameter);
    expect(() => new ScrambledSobol(SOBOL_MAX_DIMS + 1)).toThrow(/at most 64 dimensions/);
    expect(SOBOL_MAX_DIMS).toBe(64);
  });

  it('refuses indices past the 30-bit precision', () => {
    const seq = new ScrambledSobol(1);
    expect(seq.point(ScrambledSobol.MAX_INDEX)[0]).toBeLessThan(1);
    expect(() => seq.point(ScrambledSobol.MAX_INDEX + 1)).toThrow(InvalidParameter);
    expect(() => seq.point(-1)).toThrow(InvalidParameter);
  });
});
