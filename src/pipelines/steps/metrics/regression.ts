/** @module Regression metrics (scikit-learn's definitions): RMSE, MAE and R². */

export interface RegressionMetrics {
  n: number;
  rmse: number;
  mae: number;
  r2: number;
}

export function regressionMetrics(y: ArrayLike<number>, pred: ArrayLike<number>): RegressionMetrics {
  if (y.length !== pred.length) throw new RangeError(`regressionMetrics: ${y.length} targets but ${pred.length} predictions.`);
  if (y.length === 0) throw new RangeError('regressionMetrics: no rows to score.');
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i]!;
  mean /= y.length;
  let se = 0;
  let ae = 0;
  let tot = 0;
  for (let i = 0; i < y.length; i++) {
    const e = y[i]! - pred[i]!;
    se += e * e;
    ae += Math.abs(e);
    tot += (y[i]! - mean) ** 2;
  }
  // sklearn: a constant target gives R² = 1 for a perfect fit, else 0.
  const r2 = tot === 0 ? (se === 0 ? 1 : 0) : 1 - se / tot;
  return { n: y.length, rmse: Math.sqrt(se / y.length), mae: ae / y.length, r2 };
}
