/**
 * @module A random forest regressor on the unit cube [0, 1]^d whose trees remember, per leaf,
 * the axis-aligned box the leaf covers. fANOVA needs exactly that: a tree is a piecewise
 * constant function over a partition of the cube into boxes, and its variance (and that of its
 * marginals) can be integrated exactly from the boxes.
 *
 * Each tree is grown on a bootstrap sample (kept as per-row weights, so a row drawn twice
 * counts twice in the means and sums) by greedy CART splits that minimise the summed squared
 * error of the two children. Defaults follow Optuna's fANOVA: 64 trees, depth 64, a node needs
 * 2 rows to split and each child keeps 1 row; every feature is tried at every split (scikit-learn's
 * regressor default, which Optuna keeps), in a random order so that exact ties go to a random
 * feature rather than always the first.
 *
 * Splits: a numeric feature is cut halfway between two neighbouring distinct values. A
 * categorical feature (`categoryCounts[f] = c > 0`, choice k encoded at (k + 0.5) / c) is
 * split ordinally, but only on cell boundaries j / c, so every category stays one whole cell of
 * the partition; a subset split is reached by a few ordinal ones. This keeps one column per
 * param (no one-hot groups to re-assemble afterwards) at the price of slightly deeper trees.
 *
 * Growing cost: each feature's rows are sorted once per forest; a node then scans each
 * feature's sorted slice once and stably partitions the slices, O(rows * features) per level.
 */
import { InvalidParameter } from '../../core/errors.js';
import { Rng } from '../prng.js';

export interface RegressionForestOptions {
  /** Number of trees (default 64). */
  nTrees?: number;
  /** Deepest level a leaf may sit at; the root is level 0 (default 64). */
  maxDepth?: number;
  /** Fewest rows a node needs to be split (default 2). */
  minSamplesSplit?: number;
  /** Fewest rows each child of a split keeps (default 1). */
  minSamplesLeaf?: number;
  /** Non-constant features tried per split (default: all of them). */
  maxFeatures?: number;
  /** Grow each tree on a bootstrap sample (default true); false fits every tree to all rows. */
  bootstrap?: boolean;
  /** Seed for the bootstrap draws and feature orders (default 0). */
  seed?: number;
  /** Per feature: the number of category cells, or 0 for numeric (default all numeric). */
  categoryCounts?: readonly number[];
}

/** A leaf: its box [lower_f, upper_f] per feature and the (weighted) mean target of its rows. */
export interface LeafBox {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly value: number;
}

/** Internal node (feature >= 0: x[feature] <= threshold goes left) or leaf (feature = -1). */
interface TreeNode {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  value: number;
}

export class RegressionTree {
  constructor(
    private readonly nodes: readonly TreeNode[],
    /** The leaves' boxes partition [0, 1]^d. */
    readonly leaves: readonly LeafBox[],
  ) {}

  predict(x: readonly number[]): number {
    let node = this.nodes[0]!;
    while (node.feature >= 0) node = this.nodes[x[node.feature]! <= node.threshold ? node.left : node.right]!;
    return node.value;
  }
}

interface ResolvedOptions {
  nTrees: number;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxFeatures: number;
  bootstrap: boolean;
  seed: number;
  categoryCounts: readonly number[];
}

/** Fits a forest to `rows` (points of [0, 1]^d, d >= 1) and their `targets`. */
export function fitRegressionForest(rows: readonly (readonly number[])[], targets: readonly number[], opts: RegressionForestOptions = {}): RegressionTree[] {
  const n = rows.length;
  if (n === 0 || n !== targets.length) throw new InvalidParameter(`A forest needs as many targets as rows (at least one); got ${n} rows and ${targets.length} targets.`);
  const d = rows[0]!.length;
  if (d === 0 || rows.some((r) => r.length !== d)) throw new InvalidParameter('Every row needs the same number (at least one) of features.');
  const o = resolveOptions(opts, d);
  const columns = Array.from({ length: d }, (_, f) => Float64Array.from(rows, (r) => r[f]!));
  // Splits are scored on centred targets (the score compares sums of squares, which lose
  // precision on a large offset); leaf values average the targets as given, so a pure leaf is exact.
  const asGiven = Float64Array.from(targets);
  const offset = targets.reduce((a, b) => a + b, 0) / n;
  const centred = Float64Array.from(targets, (v) => v - offset);
  const sortedRows = columns.map((col) => Int32Array.from(col.keys()).sort((a, b) => col[a]! - col[b]! || a - b));
  const trees: RegressionTree[] = [];
  for (let t = 0; t < o.nTrees; t++) {
    const rng = Rng.derive(o.seed, 'forest-tree', t);
    const weight = new Float64Array(n);
    if (o.bootstrap) for (let i = 0; i < n; i++) weight[rng.int(n)]!++;
    else weight.fill(1);
    trees.push(new TreeBuilder(columns, centred, asGiven, weight, sortedRows, o, rng).build());
  }
  return trees;
}

function resolveOptions(opts: RegressionForestOptions, d: number): ResolvedOptions {
  const o: ResolvedOptions = {
    nTrees: opts.nTrees ?? 64,
    maxDepth: opts.maxDepth ?? 64,
    minSamplesSplit: opts.minSamplesSplit ?? 2,
    minSamplesLeaf: opts.minSamplesLeaf ?? 1,
    maxFeatures: opts.maxFeatures ?? d,
    bootstrap: opts.bootstrap ?? true,
    seed: opts.seed ?? 0,
    categoryCounts: opts.categoryCounts ?? new Array<number>(d).fill(0),
  };
  for (const key of ['nTrees', 'minSamplesSplit', 'minSamplesLeaf', 'maxFeatures'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new InvalidParameter(`${key} must be a positive integer, got ${String(o[key])}.`);
  }
  if (!Number.isInteger(o.maxDepth) || o.maxDepth < 0) throw new InvalidParameter(`maxDepth must be a non-negative integer, got ${String(o.maxDepth)}.`);
  if (!Number.isFinite(o.seed)) throw new InvalidParameter(`seed must be a finite number, got ${String(o.seed)}.`);
  if (o.categoryCounts.length !== d) throw new InvalidParameter(`categoryCounts needs one entry per feature (${d}), got ${o.categoryCounts.length}.`);
  return o;
}

interface Split {
  feature: number;
  /** Last position (in the feature's sorted slice) that goes left. */
  lastLeft: number;
  threshold: number;
}

/** Grows one tree. Rows with weight 0 (not drawn) are left out of every node. */
class TreeBuilder {
  private readonly nodes: TreeNode[] = [];
  private readonly leaves: LeafBox[] = [];
  /** Per feature, the tree's rows; a node owns the same slice [start, end) of each, sorted by that feature. */
  private readonly orders: Int32Array[];
  private readonly goesLeft: Uint8Array;
  private readonly scratch: Int32Array;
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  private readonly featureOrder: number[];
  /** weight * centred per row, the summand of every split score. */
  private readonly weightedCentred: Float64Array;

  constructor(
    private readonly columns: readonly Float64Array[],
    /** Targets minus their mean: what split scores sum (times the weights). */
    centred: Float64Array,
    /** Targets as given: what leaf values average. */
    private readonly targets: Float64Array,
    private readonly weight: Float64Array,
    sortedRows: readonly Int32Array[],
    private readonly o: ResolvedOptions,
    private readonly rng: Rng,
  ) {
    this.orders = sortedRows.map((rows) => rows.filter((r) => weight[r]! > 0));
    this.goesLeft = new Uint8Array(targets.length);
    this.scratch = new Int32Array(this.orders[0]!.length);
    this.lower = new Float64Array(columns.length);
    this.upper = new Float64Array(columns.length).fill(1);
    this.featureOrder = columns.map((_, f) => f);
    this.weightedCentred = centred.map((c, r) => c * weight[r]!);
  }

  build(): RegressionTree {
    this.grow(0, this.orders[0]!.length, 0);
    return new RegressionTree(this.nodes, this.leaves);
  }

  private grow(start: number, end: number, depth: number): number {
    const index = this.nodes.length;
    const node: TreeNode = { feature: -1, threshold: 0, left: -1, right: -1, value: 0 };
    this.nodes.push(node);
    let w = 0;
    let s = 0;
    let sGiven = 0;
    let yMin = Infinity;
    let yMax = -Infinity;
    const rows = this.orders[0]!;
    for (let k = start; k < end; k++) {
      const r = rows[k]!;
      w += this.weight[r]!;
      s += this.weightedCentred[r]!;
      sGiven += this.weight[r]! * this.targets[r]!;
      yMin = Math.min(yMin, this.targets[r]!);
      yMax = Math.max(yMax, this.targets[r]!);
    }
    node.value = sGiven / w;
    const count = end - start;
    const canSplit = depth < this.o.maxDepth && count >= this.o.minSamplesSplit && count >= 2 * this.o.minSamplesLeaf && yMin < yMax;
    const split = canSplit ? this.bestSplit(start, end, w, s) : null;
    if (split === null) {
      this.leaves.push({ lower: this.lower.slice(), upper: this.upper.slice(), value: node.value });
      return index;
    }
    const mid = this.partition(start, end, split);
    const f = split.feature;
    node.feature = f;
    node.threshold = split.threshold;
    const savedUpper = this.upper[f]!;
    this.upper[f] = split.threshold;
    node.left = this.grow(start, mid, depth + 1);
    this.upper[f] = savedUpper;
    const savedLower = this.lower[f]!;
    this.lower[f] = split.threshold;
    node.right = this.grow(mid, end, depth + 1);
    this.lower[f] = savedLower;
    return index;
  }

  /**
   * The split with the least summed squared error of the children. SSE = sum w y^2 - S^2 / W
   * per child and sum w y^2 is fixed, so we maximise S_L^2 / W_L + S_R^2 / W_R.
   */
  private bestSplit(start: number, end: number, w: number, s: number): Split | null {
    const { minSamplesLeaf: minLeaf, maxFeatures } = this.o;
    const weight = this.weight;
    const weighted = this.weightedCentred;
    const count = end - start;
    this.rng.shuffle(this.featureOrder);
    let bestFeature = -1;
    let bestLastLeft = -1;
    let bestScore = -Infinity;
    let tried = 0;
    for (const f of this.featureOrder) {
      if (tried === maxFeatures) break;
      const rows = this.orders[f]!;
      const col = this.columns[f]!;
      if (col[rows[start]!] === col[rows[end - 1]!]) continue; // constant here: does not use up a draw
      tried++;
      let wLeft = 0;
      let sLeft = 0;
      for (let k = start; k < end - 1; k++) {
        const r = rows[k]!;
        wLeft += weight[r]!;
        sLeft += weighted[r]!;
        const nLeft = k - start + 1;
        if (nLeft < minLeaf) continue;
        if (count - nLeft < minLeaf) break;
        if (col[r] === col[rows[k + 1]!]) continue;
        const sRight = s - sLeft;
        const score = (sLeft * sLeft) / wLeft + (sRight * sRight) / (w - wLeft);
        if (score > bestScore) {
          bestScore = score;
          bestFeature = f;
          bestLastLeft = k;
        }
      }
    }
    if (bestFeature < 0) return null;
    const rows = this.orders[bestFeature]!;
    const col = this.columns[bestFeature]!;
    const t = threshold(col[rows[bestLastLeft]!]!, col[rows[bestLastLeft + 1]!]!, this.o.categoryCounts[bestFeature]!);
    return { feature: bestFeature, lastLeft: bestLastLeft, threshold: t };
  }

  /** Stably moves each feature's left rows to the front of its slice; returns where the right rows begin. */
  private partition(start: number, end: number, split: Split): number {
    const { goesLeft, scratch } = this;
    const chosen = this.orders[split.feature]!;
    for (let k = start; k < end; k++) goesLeft[chosen[k]!] = k <= split.lastLeft ? 1 : 0;
    const mid = split.lastLeft + 1;
    for (let f = 0; f < this.orders.length; f++) {
      if (f === split.feature) continue; // already ordered left | right
      const rows = this.orders[f]!;
      let left = start;
      let right = 0;
      for (let k = start; k < end; k++) {
        const r = rows[k]!;
        if (goesLeft[r]) rows[left++] = r;
        else scratch[right++] = r;
      }
      rows.set(scratch.subarray(0, right), left);
    }
    return mid;
  }
}

/**
 * Where to cut between neighbouring values a < b: halfway for a numeric feature; for a
 * categorical one, on the boundary just above a's cell, so no category cell is cut in two.
 * The result t always satisfies a <= t < b, so `predict` sends the training rows where the
 * split sent them.
 */
function threshold(a: number, b: number, categoryCount: number): number {
  if (categoryCount > 0) {
    const boundary = (Math.floor(a * categoryCount) + 1) / categoryCount;
    if (a < boundary && boundary < b) return boundary;
  }
  const t = a + (b - a) / 2;
  return t < b ? t : a;
}
