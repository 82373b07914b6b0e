/**
 * @module Binary classification metrics on labels (0/1) and scores (probability of class 1).
 * Definitions follow scikit-learn's so figures can be checked against it: ROC AUC with ties
 * counted half (Mann–Whitney), PR AUC as average precision (Σ (Rₙ − Rₙ₋₁)·Pₙ over thresholds),
 * log loss with probabilities clipped to [1e-15, 1 − 1e-15], and 0/0 ratios reported as 0.
 */

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

function check(y: ArrayLike<number>, s: ArrayLike<number>, what: string): void {
  if (y.length !== s.length) throw new RangeError(`${what}: ${y.length} labels but ${s.length} scores.`);
  if (y.length === 0) throw new RangeError(`${what}: no rows to score.`);
}

/** Counts at a threshold: score >= threshold predicts 1. */
export function confusion(y: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5): Confusion {
  check(y, scores, 'confusion');
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < y.length; i++) {
    const pred = scores[i]! >= threshold;
    if (y[i] === 1) pred ? c.tp++ : c.fn++;
    else pred ? c.fp++ : c.tn++;
  }
  return c;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export const accuracy = (c: Confusion) => ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn);
export const precision = (c: Confusion) => ratio(c.tp, c.tp + c.fp);
export const recall = (c: Confusion) => ratio(c.tp, c.tp + c.fn);
export const f1 = (c: Confusion) => ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
/** True and false positive rates (recall of each class). */
export const tpr = recall;
export const fpr = (c: Confusion) => ratio(c.fp, c.fp + c.tn);
export const selectionRate = (c: Confusion) => ratio(c.tp + c.fp, c.tp + c.fp + c.tn + c.fn);

/** Indexes sorted by descending score (stable). */
function byScoreDesc(scores: ArrayLike<number>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Area under the ROC curve; NaN when only one class is present (sklearn raises there). */
export function rocAuc(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  check(y, scores, 'rocAuc');
  // Mann–Whitney U from average ranks: each (positive, negative) pair counts 1, a tie 1/2.
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[idx[k]!] === 1) { rankSumPos += avgRank; nPos++; }
    i = j + 1;
  }
  const nNeg = y.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface CurvePoint {
  threshold: number;
  fpr: number;
  tpr: number;
  precision: number;
}

/** One point per distinct score, from the highest threshold down (plus the (0,0) origin). */
export function thresholdCurve(y: ArrayLike<number>, scores: ArrayLike<number>): CurvePoint[] {
  check(y, scores, 'thresholdCurve');
  const idx = byScoreDesc(scores);
  let P = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) P++;
  const N = y.length - P;
  const out: CurvePoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0, precision: 1 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < idx.length; i++) {
    if (y[idx[i]!] === 1) tp++;
    else fp++;
    const last = i + 1 === idx.length || scores[idx[i + 1]!] !== scores[idx[i]!];
    if (last) out.push({ threshold: scores[idx[i]!]!, fpr: ratio(fp, N), tpr: ratio(tp, P), precision: ratio(tp, tp + fp) });
  }
  return out;
}

/** Average precision, scikit-learn's `average_precision_score` (the PR AUC we report). */
export function averagePrecision(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  const curve = thresholdCurve(y, scores);
  let ap = 0;
  for (let i = 1; i < curve.length; i++) ap += (curve[i]!.tpr - curve[i - 1]!.tpr) * curve[i]!.precision;
  return ap;
}

export const LOG_LOSS_EPS = 1e-15;

/** Mean binary cross-entropy. */
export function logLoss(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  check(y, scores, 'logLoss');
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const p = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, scores[i]!));
    sum -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / y.length;
}

/** Mean squared error of probabilities. */
export function brierScore(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  check(y, scores, 'brierScore');
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += (scores[i]! - y[i]!) ** 2;
  return sum / y.length;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  fractionPositive: number;
}

/**
 * Reliability diagram on `bins` equal-width bins over [0, 1] (sklearn's `calibration_curve`
 * with strategy 'uniform', empty bins kept with count 0; a score on an edge goes to the lower
 * bin), plus the expected calibration error:
 * Σ (count / n) · |fraction positive − mean predicted|.
 */
export function calibration(y: ArrayLike<number>, scores: ArrayLike<number>, bins = 10): { bins: CalibrationBin[]; ece: number } {
  check(y, scores, 'calibration');
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  const count = new Array<number>(bins).fill(0);
  // Interior edges k·(1/bins); a score on an edge falls in the lower bin (sklearn's searchsorted).
  const step = 1 / bins;
  for (let i = 0; i < y.length; i++) {
    let b = 0;
    while (b < bins - 1 && (b + 1) * step < scores[i]!) b++;
    sumP[b] += scores[i]!;
    sumY[b] += y[i]!;
    count[b]++;
  }
  let ece = 0;
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const meanPredicted = ratio(sumP[b]!, count[b]!);
    const fractionPositive = ratio(sumY[b]!, count[b]!);
    ece += (count[b]! / y.length) * Math.abs(fractionPositive - meanPredicted);
    out.push({ lower: b / bins, upper: (b + 1) / bins, count: count[b]!, meanPredicted, fractionPositive });
  }
  return { bins: out, ece };
}

export interface ClassificationMetrics {
  n: number;
  positives: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  auc: number;
  pr_auc: number;
  log_loss: number;
  brier: number;
  ece: number;
}

/** Everything above at one threshold. */
export function classificationMetrics(y: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5): ClassificationMetrics {
  const c = confusion(y, scores, threshold);
  return {
    n: y.length,
    positives: c.tp + c.fn,
    accuracy: accuracy(c),
    precision: precision(c),
    recall: recall(c),
    f1: f1(c),
    auc: rocAuc(y, scores),
    pr_auc: averagePrecision(y, scores),
    log_loss: logLoss(y, scores),
    brier: brierScore(y, scores),
    ece: calibration(y, scores).ece,
  };
}
