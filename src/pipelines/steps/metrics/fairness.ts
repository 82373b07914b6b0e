/**
 * @module Group fairness for a binary classifier, as Fairlearn defines it: per group of a
 * sensitive attribute, the selection rate P(ŷ=1), TPR and FPR; then demographic parity
 * difference (max − min selection rate), equalized odds difference (the larger of the TPR gap and
 * the FPR gap), and the disparate impact ratio (min / max selection rate; the four-fifths rule
 * flags values under 0.8).
 */
import { accuracy, confusion, fpr, selectionRate, tpr, type Confusion } from './classification.js';

export interface GroupRates {
  group: string;
  n: number;
  selection_rate: number;
  tpr: number;
  fpr: number;
  accuracy: number;
  positives: number;
}

export interface FairnessReport {
  attribute: string;
  groups: GroupRates[];
  demographic_parity_difference: number;
  equalized_odds_difference: number;
  disparate_impact_ratio: number;
}

/** Groups with fewer than `minGroupSize` rows are listed but left out of the gaps (too noisy). */
export function fairness(attribute: string, groupOf: ArrayLike<string>, y: ArrayLike<number>, scores: ArrayLike<number>, opts: { threshold?: number; minGroupSize?: number } = {}): FairnessReport {
  const threshold = opts.threshold ?? 0.5;
  const min = opts.minGroupSize ?? 1;
  const members = new Map<string, number[]>();
  for (let i = 0; i < groupOf.length; i++) {
    const g = groupOf[i]!;
    let list = members.get(g);
    if (!list) members.set(g, (list = []));
    list.push(i);
  }
  const groups: GroupRates[] = [];
  for (const [group, idx] of [...members].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
    const c: Confusion = confusion(idx.map((i) => y[i]!), idx.map((i) => scores[i]!), threshold);
    groups.push({ group, n: idx.length, selection_rate: selectionRate(c), tpr: tpr(c), fpr: fpr(c), accuracy: accuracy(c), positives: c.tp + c.fn });
  }
  const counted = groups.filter((g) => g.n >= min);
  const span = (f: (g: GroupRates) => number) => (counted.length ? Math.max(...counted.map(f)) - Math.min(...counted.map(f)) : 0);
  const maxSel = Math.max(0, ...counted.map((g) => g.selection_rate));
  const minSel = counted.length ? Math.min(...counted.map((g) => g.selection_rate)) : 0;
  return {
    attribute,
    groups,
    demographic_parity_difference: span((g) => g.selection_rate),
    equalized_odds_difference: Math.max(span((g) => g.tpr), span((g) => g.fpr)),
    // No group selected at all: every group is treated alike, so the ratio is 1.
    disparate_impact_ratio: maxSel === 0 ? 1 : minSel / maxSel,
  };
}
