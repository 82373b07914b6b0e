import { describe, expect, it } from 'vitest';
import { Rng } from '../prng.js';
import { fitRegressionForest, type LeafBox } from './regression-forest.js';

function volume(leaf: LeafBox): number {
  return leaf.lower.reduce((v, lo, f) => v * (leaf.upper[f]! - lo), 1);
}

function inBox(leaf: LeafBox, x: readonly number[]): boolean {
  return x.every((v, f) => leaf.lower[f]! <= v && v <= leaf.upper[f]!);
}

describe('regression forest', () => {
  it('a single tree on all rows reproduces a step function with one cut on the step feature', () => {
    const rng = new Rng(5);
    const rows = Array.from({ length: 60 }, () => [rng.random(), rng.random()]);
    const step = (x: readonly number[]): number => (x[0]! < 0.4 ? 1 : 5);
    const [tree] = fitRegressionForest(rows, rows.map(step), { nTrees: 1, bootstrap: false });
    for (const x of rows) expect(tree!.predict(x)).toBe(step(x));
    expect(tree!.leaves).toHaveLength(2);
    // The cut sits halfway between the two training values that straddle 0.4.
    const below = Math.max(...rows.map((x) => x[0]!).filter((v) => v < 0.4));
    const above = Math.min(...rows.map((x) => x[0]!).filter((v) => v >= 0.4));
    const [left, right] = tree!.leaves;
    expect(left!.upper[0]).toBeCloseTo((below + above) / 2, 15);
    expect(right!.lower[0]).toBe(left!.upper[0]);
    expect([...left!.lower, left!.upper[1], right!.upper[0], right!.lower[1], right!.upper[1]]).toEqual([0, 0, 1, 1, 0, 1]);
    expect([left!.value, right!.value]).toEqual([1, 5]);
  });

  it("leaves' boxes partition the unit cube and hold the rows they predict", () => {
    const rng = new Rng(8);
    const rows = Array.from({ length: 120 }, () => [rng.random(), rng.random(), rng.random()]);
    const y = rows.map((x) => Math.sin(5 * x[0]!) * x[1]! + x[2]!);
    for (const tree of fitRegressionForest(rows, y, { nTrees: 4, seed: 3 })) {
      expect(tree.leaves.reduce((s, l) => s + volume(l), 0)).toBeCloseTo(1, 12);
      for (const x of rows) {
        const holding = tree.leaves.filter((l) => inBox(l, x) && x.every((v, f) => v < l.upper[f]! || l.upper[f] === 1));
        expect(holding).toHaveLength(1);
        expect(holding[0]!.value).toBe(tree.predict(x));
      }
    }
  });

  it('cuts a categorical feature only on the boundaries between its cells, even around unseen choices', () => {
    const rng = new Rng(2);
    const cells = 5;
    // Choices 1 and 3 never occur: a cut halfway between seen values would halve their cells.
    const rows = Array.from({ length: 200 }, () => [(2 * rng.int(3) + 0.5) / cells, rng.random()]);
    const effect = [3, 0, 1, 0, 2];
    const y = rows.map((x) => effect[Math.floor(x[0]! * cells)]! + 0.1 * x[1]!);
    for (const tree of fitRegressionForest(rows, y, { nTrees: 8, categoryCounts: [cells, 0] })) {
      for (const leaf of tree.leaves) {
        for (const bound of [leaf.lower[0]!, leaf.upper[0]!]) expect(bound * cells).toBeCloseTo(Math.round(bound * cells), 12);
      }
    }
  });

  it('is reproducible for a seed, and bootstrap makes seeds differ', () => {
    const rng = new Rng(4);
    const rows = Array.from({ length: 80 }, () => [rng.random(), rng.random()]);
    const y = rows.map((x) => x[0]! * x[1]!);
    const leavesOf = (seed: number) => fitRegressionForest(rows, y, { nTrees: 3, seed }).map((t) => t.leaves.map((l) => [l.value, ...l.lower, ...l.upper]));
    expect(leavesOf(11)).toEqual(leavesOf(11));
    expect(leavesOf(11)).not.toEqual(leavesOf(12));
  });

  it('stops at maxDepth and honours minSamplesLeaf', () => {
    const rng = new Rng(6);
    const rows = Array.from({ length: 100 }, () => [rng.random()]);
    const y = rows.map((x) => x[0]!);
    expect(fitRegressionForest(rows, y, { nTrees: 1, maxDepth: 2 })[0]!.leaves.length).toBeLessThanOrEqual(4);
    expect(fitRegressionForest(rows, y, { nTrees: 1, maxDepth: 0 })[0]!.leaves).toHaveLength(1);
    const [tree] = fitRegressionForest(rows, y, { nTrees: 1, bootstrap: false, minSamplesLeaf: 10 });
    for (const leaf of tree!.leaves) expect(rows.filter((x) => inBox(leaf, x)).length).toBeGreaterThanOrEqual(10);
  });
});
