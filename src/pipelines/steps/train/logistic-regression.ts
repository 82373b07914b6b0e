/**
 * @module Generalized linear models in TypeScript (no Python, no native code): binary logistic
 * regression (log loss) and linear regression (squared error), by minibatch Adam with an L2
 * penalty (bias not penalized) and seeded shuffling. Both losses have the gradient
 * (prediction − y)·x, so one loop serves both. Non-finite inputs count as 0, i.e. as the
 * training mean once standardized.
 */
import { seededRandom, shuffled } from '../features/split.js';

export interface LogisticParams {
  learningRate: number;
  l2: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

export interface LogisticModel {
  kind: 'logistic' | 'linear';
  weights: number[];
  bias: number;
}

export const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function predictLogistic(m: LogisticModel, x: ArrayLike<number>): number {
  let z = m.bias;
  for (let j = 0; j < m.weights.length; j++) { const v = x[j]!; if (Number.isFinite(v)) z += m.weights[j]! * v; }
  return m.kind === 'linear' ? z : sigmoid(z);
}

/**
 * Trains; `onEpoch` sees the model after each epoch (for validation, checkpoints and pruning)
 * and may return `false` to stop early.
 */
export async function trainLogistic(X: readonly ArrayLike<number>[], y: ArrayLike<number>, p: LogisticParams,
  onEpoch?: (epoch: number, model: LogisticModel) => Promise<boolean | void> | boolean | void, kind: LogisticModel['kind'] = 'logistic'): Promise<LogisticModel> {
  const link = kind === 'linear' ? (z: number) => z : sigmoid;
  const d = X[0]?.length ?? 0;
  const w = new Float64Array(d);
  let b = 0;
  const mw = new Float64Array(d), vw = new Float64Array(d);
  let mb = 0, vb = 0, t = 0;
  const g = new Float64Array(d);
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  const rand = seededRandom(p.seed);
  const idx = Array.from({ length: X.length }, (_, i) => i);
  const snapshot = (): LogisticModel => ({ kind, weights: Array.from(w), bias: b });
  for (let epoch = 1; epoch <= p.epochs; epoch++) {
    const order = shuffled(idx, rand);
    for (let start = 0; start < order.length; start += p.batchSize) {
      const end = Math.min(order.length, start + p.batchSize);
      g.fill(0);
      let gb = 0;
      for (let k = start; k < end; k++) {
        const i = order[k]!;
        const x = X[i]!;
        let z = b;
        for (let j = 0; j < d; j++) { const v = x[j]!; if (Number.isFinite(v)) z += w[j]! * v; }
        const err = link(z) - y[i]!;
        for (let j = 0; j < d; j++) { const v = x[j]!; if (Number.isFinite(v)) g[j] += err * v; }
        gb += err;
      }
      const n = end - start;
      t++;
      const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
      for (let j = 0; j < d; j++) {
        const gj = g[j]! / n + p.l2 * w[j]!;
        mw[j] = beta1 * mw[j]! + (1 - beta1) * gj;
        vw[j] = beta2 * vw[j]! + (1 - beta2) * gj * gj;
        w[j] -= (p.learningRate * (mw[j]! / c1)) / (Math.sqrt(vw[j]! / c2) + eps);
      }
      const gbn = gb / n;
      mb = beta1 * mb + (1 - beta1) * gbn;
      vb = beta2 * vb + (1 - beta2) * gbn * gbn;
      b -= (p.learningRate * (mb / c1)) / (Math.sqrt(vb / c2) + eps);
    }
    if (onEpoch && (await onEpoch(epoch, snapshot())) === false) break;
  }
  return snapshot();
}
