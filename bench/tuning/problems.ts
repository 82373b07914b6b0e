/**
 * The tuning development suite (/work/shared/bench/tuning-dev-suite.md), as define-by-run
 * objectives. `problems.py` defines the same problems for Optuna: same names, same
 * distributions, same formulas. All are minimised; dtlz2_3obj has three objectives.
 */
import type { Trial } from '../../src/tuning/index.js';

export interface Problem {
  id: string;
  objectives: number;
  optimum: number;
  objective: (t: Trial) => number | number[];
}

const floats = (t: Trial, d: number, lo: number, hi: number) => Array.from({ length: d }, (_, i) => t.suggestFloat(`x${i}`, lo, hi));

const HART_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]];
const HART_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]].map((r) => r.map((v) => v * 1e-4));
const HART_ALPHA = [1, 1.2, 3, 3.2];

function dixonPrice(x: number[]): number {
  let f = (x[0]! - 1) ** 2;
  for (let i = 1; i < x.length; i++) f += (i + 1) * (2 * x[i]! ** 2 - x[i - 1]!) ** 2;
  return f;
}

/** Integer optimum of dixon_price on [-10, 10]^8 by dynamic programming over the chain. */
export function dixonPriceIntOptimum(d = 8): number {
  const vals = Array.from({ length: 21 }, (_, i) => i - 10);
  let best = vals.map((v) => (v - 1) ** 2);
  for (let i = 1; i < d; i++) best = vals.map((v) => Math.min(...vals.map((u, j) => best[j]! + (i + 1) * (2 * v * v - u) ** 2)));
  return Math.min(...best);
}

export const PROBLEMS: Problem[] = [
  {
    id: 'ackley5',
    objectives: 1,
    optimum: 0,
    objective: (t) => {
      const x = floats(t, 5, -32.768, 32.768);
      const n = x.length;
      return -20 * Math.exp(-0.2 * Math.sqrt(x.reduce((s, v) => s + v * v, 0) / n)) - Math.exp(x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / n) + 20 + Math.E;
    },
  },
  { id: 'rastrigin6', objectives: 1, optimum: 0, objective: (t) => floats(t, 6, -5.12, 5.12).reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 60) },
  {
    id: 'hartmann3',
    objectives: 1,
    optimum: -3.86278,
    objective: (t) => {
      const x = floats(t, 3, 0, 1);
      return -HART_ALPHA.reduce((s, a, j) => s + a * Math.exp(-x.reduce((q, v, i) => q + HART_A[j]![i]! * (v - HART_P[j]![i]!) ** 2, 0)), 0);
    },
  },
  {
    id: 'sixhump',
    objectives: 1,
    optimum: -1.0316,
    objective: (t) => {
      const a = t.suggestFloat('x0', -3, 3);
      const b = t.suggestFloat('x1', -2, 2);
      return (4 - 2.1 * a * a + a ** 4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b;
    },
  },
  {
    id: 'goldstein_price',
    objectives: 1,
    optimum: 3,
    objective: (t) => {
      const [x, y] = floats(t, 2, -2, 2) as [number, number];
      return (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y)) * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y));
    },
  },
  {
    id: 'griewank10',
    objectives: 1,
    optimum: 0,
    objective: (t) => {
      const x = floats(t, 10, -600, 600);
      return 1 + x.reduce((s, v) => s + (v * v) / 4000, 0) - x.reduce((p, v, i) => p * Math.cos(v / Math.sqrt(i + 1)), 1);
    },
  },
  {
    id: 'dixon_price_int8',
    objectives: 1,
    optimum: dixonPriceIntOptimum(),
    objective: (t) => dixonPrice(Array.from({ length: 8 }, (_, i) => t.suggestInt(`x${i}`, -10, 10))),
  },
  {
    id: 'lr_schedule',
    objectives: 1,
    optimum: 0.1,
    objective: (t) => {
      const lr = t.suggestFloat('lr', 1e-5, 1, { log: true });
      const momentum = t.suggestFloat('momentum', 0, 0.99);
      const warmup = t.suggestInt('warmup', 0, 20);
      const batch = t.suggestInt('batch', 8, 1024, { log: true });
      return (Math.log10(lr) + 2.5) ** 2 + 2 * (momentum - 0.9) ** 2 + ((warmup - 5) / 10) ** 2 + (Math.log2(batch) - 7) ** 2 / 8 + 0.1;
    },
  },
  {
    id: 'model_choice',
    objectives: 1,
    optimum: 0.12,
    objective: (t) => {
      const model = t.suggestCategorical('model', ['linear', 'tree', 'net']);
      if (model === 'linear') return 0.3 + 0.02 * (Math.log10(t.suggestFloat('l2', 1e-6, 10, { log: true })) + 2) ** 2;
      if (model === 'tree') {
        const depth = t.suggestInt('depth', 1, 16);
        const minLeaf = t.suggestInt('min_leaf', 1, 100, { log: true });
        return 0.15 + 0.004 * (depth - 9) ** 2 + 0.01 * (Math.log10(minLeaf) - 1) ** 2;
      }
      const layers = t.suggestInt('layers', 1, 4);
      const width = t.suggestInt('width', 16, 1024, { log: true });
      const dropout = t.suggestFloat('dropout', 0, 0.5);
      return 0.12 + 0.03 * (layers - 3) ** 2 + 0.01 * (Math.log2(width) - 8) ** 2 + 0.2 * (dropout - 0.2) ** 2;
    },
  },
  {
    id: 'dtlz2_3obj',
    objectives: 3,
    optimum: 1.331 - Math.PI / 6,
    objective: (t) => {
      const x = floats(t, 8, 0, 1);
      const g = x.slice(2).reduce((s, v) => s + (v - 0.5) ** 2, 0);
      const h = Math.PI / 2;
      return [(1 + g) * Math.cos(x[0]! * h) * Math.cos(x[1]! * h), (1 + g) * Math.cos(x[0]! * h) * Math.sin(x[1]! * h), (1 + g) * Math.sin(x[0]! * h)];
    },
  },
];
