import { describe, expect, it } from 'vitest';
import {
  averagePrecision, calibration, categoricalHistogram, classificationMetrics, confusion, fairness, jensenShannon, ksTest, logLoss,
  numericHistogram, psi, regressionMetrics, rocAuc,
} from './index.js';
import { pyReference, rng } from './sklearn-reference.js';

/** Scores that carry signal, with ties (rounded to 2 decimals) to exercise tie handling. */
function sample(n: number, seed: number) {
  const r = rng(seed);
  const y: number[] = [];
  const s: number[] = [];
  const g: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = r() < 0.3 ? 1 : 0;
    y.push(label);
    s.push(Math.round(Math.min(0.999, Math.max(0.001, 0.35 * label + 0.65 * r())) * 100) / 100);
    g.push(r() < 0.6 ? 'a' : r() < 0.7 ? 'b' : 'c');
  }
  return { y, s, g };
}

describe('classification metrics', () => {
  it('match hand-computed values on a tiny case', () => {
    const y = [1, 0, 1, 1, 0, 0];
    const s = [0.9, 0.8, 0.7, 0.3, 0.2, 0.6];
    // threshold 0.5: predicted 1 for rows 0,1,2,5 -> tp=2 fp=2 fn=1 tn=1
    expect(confusion(y, s)).toEqual({ tp: 2, fp: 2, tn: 1, fn: 1 });
    const m = classificationMetrics(y, s);
    expect(m.accuracy).toBeCloseTo(3 / 6);
    expect(m.precision).toBeCloseTo(2 / 4);
    expect(m.recall).toBeCloseTo(2 / 3);
    expect(m.f1).toBeCloseTo((2 * 2) / (2 * 2 + 2 + 1));
    // pairs (pos, neg): 0.9 beats all 3; 0.7 beats 0.2, 0.6; 0.3 beats 0.2 -> 6 of 9
    expect(rocAuc(y, s)).toBeCloseTo(6 / 9);
    // ranks by score: 0.9 (P, p=1), 0.8 (N), 0.7 (P, p=2/3), 0.6 (N), 0.3 (P, p=3/5)
    expect(averagePrecision(y, s)).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3);
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2);
  });

  it('counts a tie as half a pair in ROC AUC', () => {
    expect(rocAuc([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });

  it('agree with scikit-learn on 2,000 rows with ties', () => {
    const { y, s } = sample(2000, 11);
    const ref = pyReference<Record<string, number>>(`
from sklearn import metrics as M
from sklearn.calibration import calibration_curve
y, s = np.array(data['y']), np.array(data['s'])
p = (s >= 0.5).astype(int)
print(json.dumps(dict(acc=M.accuracy_score(y, p), prec=M.precision_score(y, p), rec=M.recall_score(y, p), f1=M.f1_score(y, p),
  auc=M.roc_auc_score(y, s), ap=M.average_precision_score(y, s), ll=M.log_loss(y, s), brier=M.brier_score_loss(y, s),
  cal_true=list(calibration_curve(y, s, n_bins=10)[0]), cal_pred=list(calibration_curve(y, s, n_bins=10)[1]))))
`, { y, s });
    const m = classificationMetrics(y, s);
    expect(m.accuracy).toBeCloseTo(ref.acc!, 12);
    expect(m.precision).toBeCloseTo(ref.prec!, 12);
    expect(m.recall).toBeCloseTo(ref.rec!, 12);
    expect(m.f1).toBeCloseTo(ref.f1!, 12);
    expect(m.auc).toBeCloseTo(ref.auc!, 12);
    expect(m.pr_auc).toBeCloseTo(ref.ap!, 12);
    expect(m.log_loss).toBeCloseTo(ref.ll!, 10);
    expect(m.brier).toBeCloseTo(ref.brier!, 12);
    // sklearn drops empty bins; ours keeps them with count 0.
    const bins = calibration(y, s).bins.filter((b) => b.count > 0);
    expect(bins.map((b) => b.fractionPositive)).toEqual((ref as unknown as { cal_true: number[] }).cal_true.map((v) => expect.closeTo(v, 10)));
    expect(bins.map((b) => b.meanPredicted)).toEqual((ref as unknown as { cal_pred: number[] }).cal_pred.map((v) => expect.closeTo(v, 10)));
  });

  it('regression metrics agree with scikit-learn', () => {
    const r = rng(5);
    const y = Array.from({ length: 500 }, () => r() * 10);
    const p = y.map((v) => v + (r() - 0.5) * 3);
    const ref = pyReference<Record<string, number>>(`
from sklearn import metrics as M
y, p = data['y'], data['p']
print(json.dumps(dict(rmse=M.mean_squared_error(y, p) ** 0.5, mae=M.mean_absolute_error(y, p), r2=M.r2_score(y, p))))
`, { y, p });
    const m = regressionMetrics(y, p);
    expect(m.rmse).toBeCloseTo(ref.rmse!, 10);
    expect(m.mae).toBeCloseTo(ref.mae!, 10);
    expect(m.r2).toBeCloseTo(ref.r2!, 10);
  });
});

describe('fairness', () => {
  it('computes selection-rate gaps, equalized odds and the DI ratio by hand', () => {
    // group a: 4 rows, predicted 1 for 3 (sel .75); group b: 4 rows, predicted 1 for 1 (sel .25)
    const g = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'b'];
    const y = [1, 1, 0, 0, 1, 1, 0, 0];
    const s = [0.9, 0.8, 0.7, 0.1, 0.9, 0.2, 0.1, 0.1];
    const f = fairness('grp', g, y, s);
    expect(f.groups.find((x) => x.group === 'a')).toMatchObject({ n: 4, selection_rate: 0.75, tpr: 1, fpr: 0.5 });
    expect(f.groups.find((x) => x.group === 'b')).toMatchObject({ n: 4, selection_rate: 0.25, tpr: 0.5, fpr: 0 });
    expect(f.demographic_parity_difference).toBeCloseTo(0.5);
    expect(f.equalized_odds_difference).toBeCloseTo(0.5); // max(TPR gap .5, FPR gap .5)
    expect(f.disparate_impact_ratio).toBeCloseTo(0.25 / 0.75);
  });

  it('matches per-group rates computed with scikit-learn', () => {
    const { y, s, g } = sample(3000, 3);
    const ref = pyReference<{ dpd: number; eod: number; di: number }>(`
from sklearn.metrics import confusion_matrix
y, s, g = np.array(data['y']), np.array(data['s']), np.array(data['g'])
p = (s >= 0.5).astype(int)
sel, tprs, fprs = [], [], []
for k in sorted(set(g)):
    m = g == k
    tn, fp, fn, tp = confusion_matrix(y[m], p[m], labels=[0, 1]).ravel()
    sel.append(p[m].mean()); tprs.append(tp / (tp + fn)); fprs.append(fp / (fp + tn))
print(json.dumps(dict(dpd=max(sel) - min(sel), eod=max(max(tprs) - min(tprs), max(fprs) - min(fprs)), di=min(sel) / max(sel))))
`, { y, s, g });
    const f = fairness('g', g, y, s);
    expect(f.demographic_parity_difference).toBeCloseTo(ref.dpd, 12);
    expect(f.equalized_odds_difference).toBeCloseTo(ref.eod, 12);
    expect(f.disparate_impact_ratio).toBeCloseTo(ref.di, 12);
  });
});

describe('drift', () => {
  it('PSI is 0 for the same sample and grows with a shift', () => {
    const r = rng(9);
    const a = Array.from({ length: 5000 }, () => r());
    expect(psi(numericHistogram(a, a))).toBeCloseTo(0, 12);
    const shifted = a.map((x) => x + 0.2);
    const h = numericHistogram(a, shifted);
    // By hand: bins are deciles of U(0,1); U(0.2,1.2) puts 0 in the first two, 0.1 in 2..9, 0.2 in the last.
    expect(h.current[0]).toBeCloseTo(0, 1);
    expect(h.current[h.current.length - 1]).toBeCloseTo(0.3, 1);
    expect(psi(h)).toBeGreaterThan(0.2);
  });

  it('PSI on categories by hand', () => {
    const ref = ['x', 'x', 'y', 'y'];
    const cur = ['x', 'x', 'x', 'y'];
    const expected = (0.75 - 0.5) * Math.log(0.75 / 0.5) + (0.25 - 0.5) * Math.log(0.25 / 0.5);
    expect(psi(categoricalHistogram(ref, cur))).toBeCloseTo(expected, 12);
  });

  it('KS and Jensen–Shannon agree with scipy', () => {
    const r = rng(21);
    const a = Array.from({ length: 800 }, () => r() + r());
    const b = Array.from({ length: 600 }, () => r() + r() + 0.1);
    const h = numericHistogram(a, b);
    const ref = pyReference<{ d: number; p: number; js: number }>(`
from scipy.stats import ks_2samp
from scipy.spatial.distance import jensenshannon
res = ks_2samp(data['a'], data['b'], method='asymp')
print(json.dumps(dict(d=res.statistic, p=res.pvalue, js=jensenshannon(data['hr'], data['hc'], base=2) ** 2)))
`, { a, b, hr: h.reference, hc: h.current });
    const ks = ksTest(a, b);
    expect(ks.statistic).toBeCloseTo(ref.d, 12);
    // scipy's asymptotic p uses the exact-n Kolmogorov limit without Stephens' correction.
    expect(Math.abs(Math.log10(ks.pValue) - Math.log10(ref.p))).toBeLessThan(0.35);
    expect(jensenShannon(h)).toBeCloseTo(ref.js, 10);
  });

  it('KS detects nothing between two halves of one sample', () => {
    const r = rng(2);
    const a = Array.from({ length: 2000 }, () => r());
    expect(ksTest(a.slice(0, 1000), a.slice(1000)).pValue).toBeGreaterThan(0.01);
  });
});
