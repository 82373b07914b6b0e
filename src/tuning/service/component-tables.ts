/**
 * @module The samplers and pruners a study can name over HTTP, with their JSON options. Options
 * that take functions or objects (TPE's gamma, a custom startup sampler) have no JSON form and
 * are only available to TS code that builds the sampler itself.
 */
import { InvalidParameter } from '../../core/errors.js';
import type { CategoricalChoice } from '../distributions.js';
import type { JsonValue } from '../frozen-trial.js';
import { HyperbandPruner } from '../pruners/hyperband-pruner.js';
import { MedianPruner } from '../pruners/median-pruner.js';
import { NopPruner } from '../pruners/nop-pruner.js';
import { PatientPruner } from '../pruners/patient-pruner.js';
import { PercentilePruner } from '../pruners/percentile-pruner.js';
import type { Pruner } from '../pruners/pruner.js';
import { SuccessiveHalvingPruner } from '../pruners/successive-halving-pruner.js';
import { ThresholdPruner } from '../pruners/threshold-pruner.js';
import { AutoSampler } from '../samplers/auto-sampler.js';
import { CmaEsSampler } from '../samplers/cmaes-sampler.js';
import { GridSampler } from '../samplers/grid-sampler.js';
import { NSGAIISampler } from '../samplers/nsga2-sampler.js';
import { QMCSampler } from '../samplers/qmc-sampler.js';
import { RandomSampler } from '../samplers/random-sampler.js';
import type { Sampler } from '../samplers/sampler.js';
import { TPESampler } from '../samplers/tpe-sampler.js';
import { buildSpec, parseSpec, type ComponentEntry, type ComponentSpec, type OptionKind } from './component-spec.js';

const intOrAuto: OptionKind = (v, where) => {
  if (v === 'auto' || Number.isSafeInteger(v)) return v as JsonValue;
  throw new InvalidParameter(`Parameter '${where}' must be an integer or 'auto', got ${JSON.stringify(v)}.`);
};

/** GridSampler's `{ name: [choices] }`; the sampler itself checks the choices. */
const gridSpace: OptionKind = (v, where) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidParameter(`Parameter '${where}' must be an object of name -> list of values.`);
  for (const [k, list] of Object.entries(v)) {
    if (!Array.isArray(list) || list.length === 0) throw new InvalidParameter(`Parameter '${where}.${k}' must be a non-empty list of values.`);
  }
  return v as JsonValue;
};

const percentileOptions = { n_startup_trials: 'int', n_warmup_steps: 'int', interval_steps: 'int', n_min_trials: 'int' } as const;

export const SAMPLERS: Record<string, ComponentEntry<Sampler>> = {
  auto: { aliases: ['AutoSampler'], options: { seed: 'int' }, build: (o) => new AutoSampler(o) },
  random: { aliases: ['RandomSampler'], options: { seed: 'int' }, build: (o) => new RandomSampler(o) },
  tpe: {
    aliases: ['TPESampler'],
    options: {
      seed: 'int', n_startup_trials: 'int', n_ei_candidates: 'int', prior_weight: 'number', consider_prior: 'bool', consider_magic_clip: 'bool',
      consider_endpoints: 'bool', multivariate: 'bool', group: 'bool', constant_liar: 'bool', bandwidth: ['v3', 'v5'],
    },
    build: (o) => new TPESampler(o),
  },
  cmaes: {
    aliases: ['CmaEsSampler', 'cma-es', 'cma'],
    options: { seed: 'int', n_startup_trials: 'int', sigma0: 'number', popsize: 'int', restart_strategy: ['ipop', 'none'], initial_mean: ['center', 'best'], consider_pruned_trials: 'bool' },
    build: (o) => new CmaEsSampler(o),
  },
  nsga2: {
    aliases: ['NSGAIISampler', 'nsgaii', 'nsga-ii'],
    options: { seed: 'int', population_size: 'int', crossover_prob: 'number', swapping_prob: 'number', mutation_prob: 'number' },
    build: (o) => new NSGAIISampler(o),
  },
  qmc: { aliases: ['QMCSampler', 'halton'], options: { seed: 'int', qmc_type: ['sobol', 'halton'], scramble: 'bool' }, build: (o) => new QMCSampler(o) },
  grid: {
    aliases: ['GridSampler'],
    options: { seed: 'int', search_space: gridSpace },
    required: ['search_space'],
    build: (o) => new GridSampler(o.searchSpace as Record<string, CategoricalChoice[]>, o.seed === undefined ? {} : { seed: o.seed }),
  },
};

export const PRUNERS: Record<string, ComponentEntry<Pruner>> = {
  nop: { aliases: ['NopPruner', 'none'], options: {}, build: () => new NopPruner() },
  median: { aliases: ['MedianPruner'], options: percentileOptions, build: (o) => new MedianPruner(o) },
  percentile: {
    aliases: ['PercentilePruner'],
    options: { percentile: 'number', ...percentileOptions },
    required: ['percentile'],
    build: ({ percentile, ...o }) => new PercentilePruner(percentile, o),
  },
  successive_halving: {
    aliases: ['SuccessiveHalvingPruner', 'sha', 'asha'],
    options: { min_resource: intOrAuto, reduction_factor: 'int', min_early_stopping_rate: 'int', bootstrap_count: 'int' },
    build: (o) => new SuccessiveHalvingPruner(o),
  },
  hyperband: {
    aliases: ['HyperbandPruner'],
    options: { min_resource: 'int', max_resource: intOrAuto, reduction_factor: 'int', bootstrap_count: 'int' },
    build: (o) => new HyperbandPruner(o),
  },
  threshold: {
    aliases: ['ThresholdPruner'],
    options: { lower: 'number', upper: 'number', n_warmup_steps: 'int', interval_steps: 'int' },
    build: (o) => new ThresholdPruner(o),
  },
  patient: {
    aliases: ['PatientPruner'],
    // The wrapped pruner is itself a spec: { name, options }.
    options: { patience: 'int', min_delta: 'number', wrapped: (v, where) => parseSpec(PRUNERS, v, where) as unknown as JsonValue },
    required: ['patience'],
    build: (o) => new PatientPruner(o.wrapped ? buildSpec(PRUNERS, o.wrapped as ComponentSpec, 'pruner.options.wrapped') : null, o.patience, o.minDelta),
  },
};

export const parseSampler = (raw: unknown): ComponentSpec => parseSpec(SAMPLERS, raw ?? 'auto', 'sampler');
export const parsePruner = (raw: unknown): ComponentSpec => parseSpec(PRUNERS, raw ?? 'nop', 'pruner');
export const buildSampler = (spec: ComponentSpec): Sampler => buildSpec(SAMPLERS, spec, 'sampler');
export const buildPruner = (spec: ComponentSpec): Pruner => buildSpec(PRUNERS, spec, 'pruner');
