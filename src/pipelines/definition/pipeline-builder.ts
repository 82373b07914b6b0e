/**
 * @module The typed pipeline builder: `pipeline(name, { params })`, then `p.step(name, instance,
 * options)` and `p.map(name, items, body, options)`. The builder only records; `compilePipeline`
 * turns it into the validated `PipelineSpec` the scheduler runs.
 *
 * @example
 * const p = pipeline('adult-income', { params: { target: 'income', trials: 20 } });
 * const data = p.step('validate', validateData({ source: 'data/adult.csv', schema }));
 * const feats = p.step('features', buildFeatures({ table: data.out.table, target: p.params.target }));
 * const folds = p.map('fold', [0, 1, 2, 3, 4], (k) => trainFold({ train: feats.out.train, fold: k }), { parallelism: 2 });
 * p.step('pick', pickBest({ scores: folds.out.score }));         // fan-in: number[] of every item
 * p.step('notify', notify({}), { finally: true });
 * export default p;
 */
import type { ItemRef, OutputRef, ParamRef, Ref } from './refs.js';
import type { OutputDecl, OutputValues, StepInstance } from './step-definition.js';
import type { StepKubernetes } from './spec.js';

export interface RetryPolicy {
  /** Attempts after the first (default 0). */
  retries?: number;
  /** First backoff (default 1000 ms), doubled (`backoffFactor`) each attempt, capped at `maxBackoffMs`. */
  backoffMs?: number;
  backoffFactor?: number;
  maxBackoffMs?: number;
}

export interface StepOptions extends RetryPolicy {
  /** Extra dependencies beyond the ones the inputs imply. */
  after?: (StepHandle<any> | string)[];
  /**
   * Run only when this holds; otherwise the step (and what needs it) is SKIPPED. A reference to
   * an earlier boolean output, or an expression over earlier outputs and params such as
   * `steps.evaluate.auc >= 0.85 and params.register == true`.
   */
  when?: Ref<boolean> | string;
  /** Runs when every other step is done, whatever their outcome (cleanup, notification). */
  finally?: boolean;
  /** Per-attempt timeout; the step is killed (whole process tree) and the attempt fails. */
  timeoutMs?: number;
  /** Set false to always run this step (side effects). */
  cache?: boolean;
  /** Image, resources, node selector for `--executor kubernetes`. */
  kubernetes?: StepKubernetes;
  /** `--executor agents`: run only on an agent whose `--labels` include all of these (`{ labels: { gpu: 'a100' } }`). */
  agent?: { labels: Record<string, string> };
}

export interface MapOptions extends StepOptions {
  /** At most this many items run at once (default 8). */
  parallelism?: number;
}

export type OutRefs<D extends Record<string, OutputDecl>> = { readonly [K in keyof D & string]: OutputRef<OutputValues<D>[K]> };
export type CollectedRefs<D extends Record<string, OutputDecl>> = { readonly [K in keyof D & string]: OutputRef<OutputValues<D>[K][]> };

export interface StepHandle<D extends Record<string, OutputDecl>> {
  readonly name: string;
  /** Typed references to this step's outputs. */
  readonly out: OutRefs<D>;
}

export interface MapHandle<D extends Record<string, OutputDecl>> {
  readonly name: string;
  /** Each output collected over every item, in item order (the fan-in). */
  readonly out: CollectedRefs<D>;
}

/** A parameter's type from its default: literals widen (`20` -> number). */
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T;
export type ParamRefs<P> = { readonly [K in keyof P & string]: ParamRef<Widen<P[K]>> };

/** What the builder recorded for one step (compiled by `compilePipeline`). */
export interface BuiltStep {
  name: string;
  instance: StepInstance;
  options: StepOptions | MapOptions;
  map?: { over: unknown };
}

export class Pipeline<P extends Record<string, unknown> = Record<string, unknown>> {
  readonly $pipeline = true;
  readonly steps: BuiltStep[] = [];
  readonly params: ParamRefs<P>;

  constructor(
    readonly name: string,
    readonly paramDefaults: P,
  ) {
    const refs: Record<string, ParamRef<unknown>> = {};
    for (const k of Object.keys(paramDefaults)) refs[k] = { $ref: 'param', param: k };
    this.params = refs as ParamRefs<P>;
  }

  step<D extends Record<string, OutputDecl>>(name: string, instance: StepInstance<D>, options: StepOptions = {}): StepHandle<D> {
    this.steps.push({ name, instance: instance as unknown as StepInstance, options });
    return { name, out: outRefs(name, instance, false) as OutRefs<D> };
  }

  /** Fan-out: one run of `body(item)` per element of `over` (a list, or a reference to one). */
  map<T, D extends Record<string, OutputDecl>>(name: string, over: T[] | Ref<T[]>, body: (item: ItemRef<T>) => StepInstance<D>, options: MapOptions = {}): MapHandle<D> {
    const instance = body({ $ref: 'item' });
    this.steps.push({ name, instance: instance as unknown as StepInstance, options, map: { over } });
    return { name, out: outRefs(name, instance, true) as CollectedRefs<D> };
  }
}

function outRefs(step: string, instance: StepInstance, collected: boolean): Record<string, OutputRef<unknown>> {
  if (!instance || instance.$step !== 'function') throw new Error(`Step '${step}': the second argument must be a step instance such as validateData({...}).`);
  const refs: Record<string, OutputRef<unknown>> = {};
  for (const k of Object.keys(instance.definition.outputs)) refs[k] = collected ? { $ref: 'output', step, output: k, collected: true } : { $ref: 'output', step, output: k };
  return refs;
}

export function pipeline<P extends Record<string, unknown> = Record<string, never>>(name: string, opts: { params?: P } = {}): Pipeline<P> {
  if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) throw new Error(`Pipeline name '${name}' must start with a letter or digit and use letters, digits, . _ - only.`);
  return new Pipeline(name, (opts.params ?? {}) as P);
}

export function isPipeline(v: unknown): v is Pipeline {
  return typeof v === 'object' && v !== null && (v as { $pipeline?: unknown }).$pipeline === true;
}
