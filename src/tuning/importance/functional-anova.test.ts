import { describe, expect, it } from 'vitest';
import { Rng } from '../prng.js';
import { decomposeTreeVariance } from './functional-anova.js';
import { fitRegressionForest, type LeafBox, type RegressionTree } from './regression-forest.js';

function leaf(lower: number[], upper: number[], value: number): LeafBox {
  return { lower: Float64Array.from(lower), upper: Float64Array.from(upper), value };
}

/**
 * Total and main-effect variances of a 2-D tree by brute force: the product grid of every cut
 * point is a refinement of the tree's partition, so evaluating `predict` at each cell's centre
 * integrates the tree exactly, through a path that never looks at the leaves' boxes.
 */
function varianceOnGrid(tree: RegressionTree): { total: number; main: [number, number] } {
  const cuts = [0, 1].map((f) => [...new Set(tree.leaves.flatMap((l) => [l.lower[f]!, l.upper[f]!]))].sort((a, b) => a - b));
  const [c0, c1] = cuts as [number[], number[]];
  const cell = (c: number[], j: number): [centre: number, width: number] => [(c[j]! + c[j + 1]!) / 2, c[j + 1]! - c[j]!];
  const f: number[][] = [];
  let mean = 0;
  for (let a = 0; a + 1 < c0.length; a++) {
    f.push([]);
    for (let b = 0; b + 1 < c1.length; b++) {
      const v = tree.predict([cell(c0, a)[0], cell(c1, b)[0]]);
      f[a]!.push(v);
      mean += v * cell(c0, a)[1] * cell(c1, b)[1];
    }
  }
  let total = 0;
  const main: [number, number] = [0, 0];
  const marginal1 = new Array<number>(c1.length - 1).fill(0);
  for (let a = 0; a + 1 < c0.length; a++) {
    let marginal0 = 0;
    for (let b = 0; b + 1 < c1.length; b++) {
      const area = cell(c0, a)[1] * cell(c1, b)[1];
      total += (f[a]![b]! - mean) ** 2 * area;
      marginal0 += (f[a]![b]! - mean) * cell(c1, b)[1];
      marginal1[b] += (f[a]![b]! - mean) * cell(c0, a)[1];
    }
    main[0] += marginal0 ** 2 * cell(c0, a)[1];
  }
  marginal1.forEach((m, b) => (main[1] += m ** 2 * cell(c1, b)[1]));
  return { total, main };
}

describe('functional ANOVA of a tree', () => {
  it('gives a one-cut tree all its variance on the cut feature', () => {
    // f = 1 on x0 < 0.25, else 0: mean 0.25, variance 0.25 * 0.75.
    const { total, mainEffects } = decomposeTreeVariance([leaf([0, 0], [0.25, 1], 1), leaf([0.25, 0], [1, 1], 0)], 2);
    expect(total).toBeCloseTo(0.1875, 14);
    expect([...mainEffects]).toEqual([total, 0]);
  });

  it('splits a pure interaction (XOR on quarters) into zero main effects', () => {
    const xor = [leaf([0, 0], [0.5, 0.5], 1), leaf([0, 0.5], [0.5, 1], -1), leaf([0.5, 0], [1, 0.5], -1), leaf([0.5, 0.5], [1, 1], 1)];
    const { total, mainEffects } = decomposeTreeVariance(xor, 2);
    expect(total).toBeCloseTo(1, 14);
    expect(mainEffects[0]).toBeCloseTo(0, 14);
    expect(mainEffects[1]).toBeCloseTo(0, 14);
  });

  it('matches brute-force integration of fitted trees', () => {
    const rng = new Rng(21);
    const rows = Array.from({ length: 150 }, () => [rng.random(), rng.random()]);
    const y = rows.map((x) => Math.sin(4 * x[0]!) + 2 * x[1]! ** 2 + x[0]! * x[1]!);
    for (const tree of fitRegressionForest(rows, y, { nTrees: 5, seed: 9 })) {
      const exact = varianceOnGrid(tree);
      const { total, mainEffects } = decomposeTreeVariance(tree.leaves, 2);
      expect(total).toBeGreaterThan(0.1);
      expect(total).toBeCloseTo(exact.total, 10);
      expect(mainEffects[0]).toBeCloseTo(exact.main[0], 10);
      expect(mainEffects[1]).toBeCloseTo(exact.main[1], 10);
    }
  });

  it('reports no variance for a constant tree', () => {
    const { total, mainEffects } = decomposeTreeVariance([leaf([0], [0.3], 2), leaf([0.3], [1], 2)], 1);
    expect(total).toBe(0);
    expect([...mainEffects]).toEqual([0]);
  });
});
