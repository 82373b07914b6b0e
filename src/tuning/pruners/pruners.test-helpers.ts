/** @module Builds a PrunerContext from step -> value series (tests only). */
import { makeTrial } from '../test-helpers.js';
import type { FrozenTrial, StudyDirection, TrialState } from '../frozen-trial.js';
import type { PrunerContext } from './pruner.js';

export function series(values: readonly number[], over: { number?: number; state?: TrialState; steps?: readonly number[]; systemAttrs?: Record<string, number> } = {}): FrozenTrial {
  const steps = over.steps ?? values.map((_, i) => i);
  return makeTrial({
    number: over.number ?? 0,
    state: over.state ?? 'COMPLETE',
    intermediateValues: new Map(values.map((v, i) => [steps[i]!, v])),
    systemAttrs: over.systemAttrs ?? {},
    ...(over.state && over.state !== 'COMPLETE' ? { values: null } : { value: values[values.length - 1] ?? 0 }),
  });
}

export function pctx(trial: FrozenTrial, others: FrozenTrial[], direction: StudyDirection = 'minimize', name = 's'): PrunerContext & { attrs: Record<string, unknown> } {
  const attrs: Record<string, unknown> = {};
  return { study: { name, directions: [direction] }, trials: others, trial, setSystemAttr: (k, v) => (attrs[k] = v), attrs };
}
