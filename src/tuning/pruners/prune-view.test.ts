import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FrozenTrial, StudyDirection } from '../frozen-trial.js';
import { HyperbandPruner } from './hyperband-pruner.js';
import { MedianPruner } from './median-pruner.js';
import { PatientPruner } from './patient-pruner.js';
import { PercentilePruner } from './percentile-pruner.js';
import type { Pruner } from './pruner.js';
import { decidePrune, reviveView, viewJson } from './prune-view.js';
import { pctx, series } from './pruners.test-helpers.js';
import { rungKey, SuccessiveHalvingPruner } from './successive-halving-pruner.js';
import { ThresholdPruner } from './threshold-pruner.js';

// Each pruner is built twice (a fresh one per side) because SHA/Hyperband remember 'auto' settings.
const PRUNERS: Record<string, () => Pruner> = {
  median: () => new MedianPruner({ nStartupTrials: 2 }),
  percentile25: () => new PercentilePruner(25, { nStartupTrials: 1, nWarmupSteps: 1, intervalSteps: 2, nMinTrials: 2 }),
  sha: () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }),
  shaAuto: () => new SuccessiveHalvingPruner({ reductionFactor: 3, minEarlyStoppingRate: 1 }),
  shaBootstrap: () => new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 2, bootstrapCount: 2 }),
  hyperband: () => new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 }),
  hyperbandAuto: () => new HyperbandPruner({ reductionFactor: 2 }),
  patientMedian: () => new PatientPruner(new MedianPruner({ nStartupTrials: 1 }), 1, 0.1),
  patientAlone: () => new PatientPruner(null, 2),
  threshold: () => new ThresholdPruner({ lower: -Infinity, upper: 0.8, nWarmupSteps: 1 }),
};

const value = fc.oneof({ weight: 20, arbitrary: fc.double({ min: -1, max: 2, noNaN: true }) }, { weight: 1, arbitrary: fc.constant(Number.NaN) });
const curve = fc.array(value, { minLength: 0, maxLength: 12 });

/** Other trials as a study would hold them: values per step; rung attrs as SHA records them. */
function others(curves: number[][], states: boolean[]): FrozenTrial[] {
  return curves.map((c, i) => {
    const attrs: Record<string, number> = {};
    // Rung r at step 2^r (minResource 1, eta 2): what an earlier SHA run would have written.
    for (let r = 0; 2 ** r < c.length; r++) if (!Number.isNaN(c[2 ** r]!)) attrs[rungKey(r)] = c[2 ** r]!;
    return series(c, { number: i, state: states[i] ? 'COMPLETE' : 'RUNNING', systemAttrs: attrs });
  });
}

describe('prune views: a remote decision equals the embedded one', () => {
  for (const [name, make] of Object.entries(PRUNERS)) {
    it(`${name}: decidePrune(view over JSON) == prune, rung attrs included`, () => {
      fc.assert(
        fc.property(fc.array(curve, { maxLength: 12 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), curve, fc.constantFrom<StudyDirection>('minimize', 'maximize'), (cs, states, own, direction) => {
          const rest = others(cs, states);
          const trial = series(own, { number: rest.length + 3, state: 'RUNNING' });
          const embedded = pctx(trial, rest, direction);
          const expected = make().prune(embedded);
          const pruner = make();
          const view = reviveView(viewJson(pruner.view!({ study: embedded.study, trials: rest, trialNumber: trial.number })));
          const remote = pctx(trial, [], direction);
          expect(decidePrune(view, remote)).toBe(expected);
          expect(remote.attrs).toEqual(embedded.attrs);
        }),
        { numRuns: 300, seed: 42 },
      );
    });
  }

  it('a percentile view holds one threshold per step COMPLETE trials reported, and ±Infinity survives JSON', () => {
    const done = [series([1, Infinity, 3], { number: 0 }), series([2, Infinity], { number: 1 })];
    const view = new MedianPruner().view({ study: { name: 's', directions: ['minimize'] }, trials: done, trialNumber: 5 });
    expect(view.thresholds).toEqual([[0, 1.5], [1, Infinity], [2, 3]]);
    expect(JSON.stringify(viewJson(view))).toContain('"Infinity"');
    expect(reviveView(viewJson(view))).toEqual(view);
  });
});
