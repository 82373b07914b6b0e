/**
 * @module Test factories for FrozenTrial with partial overrides (used by *.test.ts only).
 */
import type { Distribution } from './distributions.js';
import { FrozenTrial, type FrozenTrialData } from './frozen-trial.js';
import type { SamplerContext } from './samplers/sampler.js';
import { Rng } from './prng.js';

export function makeTrial(over: Partial<FrozenTrialData> & { params?: Record<string, [number, Distribution]>; value?: number } = {}): FrozenTrial {
  const internalParams: Record<string, number> = {};
  const distributions: Record<string, Distribution> = {};
  for (const [k, [v, d]] of Object.entries(over.params ?? {})) {
    internalParams[k] = v;
    distributions[k] = d;
  }
  return new FrozenTrial({
    number: over.number ?? 0,
    state: over.state ?? 'COMPLETE',
    values: over.values ?? (over.value !== undefined ? [over.value] : (over.state ?? 'COMPLETE') === 'COMPLETE' ? [0] : null),
    internalParams: over.internalParams ?? internalParams,
    distributions: over.distributions ?? distributions,
    intermediateValues: over.intermediateValues ?? new Map(),
    userAttrs: over.userAttrs ?? {},
    systemAttrs: over.systemAttrs ?? {},
    datetimeStart: null,
    datetimeComplete: null,
  });
}

export function makeContext(trials: readonly FrozenTrial[], over: Partial<SamplerContext> = {}): SamplerContext & { attrs: Record<string, unknown> } {
  const attrs: Record<string, unknown> = {};
  const number = trials.length ? Math.max(...trials.map((t) => t.number)) + 1 : 0;
  return {
    study: { name: 's', directions: ['minimize'] },
    trials,
    trial: { number, internalParams: {}, distributions: {}, systemAttrs: attrs as never },
    rng: Rng.derive(1, 'test', number),
    seed: 1,
    cache: new Map(),
    setSystemAttr: (k, v) => (attrs[k] = v),
    stopStudy: () => undefined,
    attrs,
    ...over,
  };
}
