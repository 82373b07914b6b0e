/**
 * @module Prune views: what a pruner's rule needs of the other trials, as plain JSON, and the one
 * function that applies the rule to a view (see pruner.ts for why the rules are split so). A view
 * is self-contained: it carries the pruner's settings, so a worker needs no pruner object.
 *
 * Sizes: a percentile view holds one number per step that COMPLETE trials reported; a successive
 * halving view one threshold per rung. Doubles travel as JSON numbers or, for ±Infinity, as the
 * API's strings (`reviveView` turns them back).
 */
import type { JsonValue } from '../frozen-trial.js';
import { decideHyperband, type HyperbandView } from './hyperband-pruner.js';
import { decidePatient, type PatientView } from './patient-pruner.js';
import { decidePercentile, type PercentileView } from './percentile-pruner.js';
import type { PruneDecisionContext } from './pruner.js';
import { decideSuccessiveHalving, type SuccessiveHalvingView } from './successive-halving-pruner.js';
import { decideThreshold, type ThresholdView } from './threshold-pruner.js';

export type PruneView = { kind: 'nop' } | PercentileView | SuccessiveHalvingView | HyperbandView | PatientView | ThresholdView;

/** The pruner's answer for the trial in `ctx`, from a view of the others. */
export function decidePrune(view: PruneView, ctx: PruneDecisionContext): boolean {
  switch (view.kind) {
    case 'nop':
      return false;
    case 'percentile':
      return decidePercentile(view, ctx);
    case 'successive_halving':
      return decideSuccessiveHalving(view, ctx);
    case 'hyperband':
      return decideHyperband(view, ctx);
    case 'threshold':
      return decideThreshold(view, ctx);
    case 'patient':
      return decidePatient(view, ctx, () => (view.inner ? decidePrune(view.inner, ctx) : true));
  }
}

/** A view back from JSON: the strings "Infinity", "-Infinity", "NaN" become numbers again. */
export function reviveView(raw: JsonValue): PruneView {
  const walk = (v: JsonValue): unknown => {
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (v === 'NaN') return Number.NaN;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(raw) as PruneView;
}

/** A view as JSON: non-finite numbers as the API's strings. */
export function viewJson(view: PruneView): JsonValue {
  return JSON.parse(JSON.stringify(view, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v))) as JsonValue;
}
