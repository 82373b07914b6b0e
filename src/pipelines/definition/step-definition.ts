/**
 * @module How a TypeScript step is declared. `defineStep` takes the step's id, a code version,
 * its outputs and its `run` function, and returns a factory that takes the step's inputs (values
 * or typed references) and gives a `StepInstance` for `p.step(name, instance)`.
 *
 * @example
 * export const countRows = defineStep({
 *   id: 'example.countRows',
 *   version: '1',
 *   outputs: { table: artifact('table'), rows: value<number>() },
 *   async run(inputs: { source: string; limit?: number }, ctx) {
 *     const text = await readFile(inputs.source, 'utf8');
 *     await writeFile(ctx.outputPath('table'), text);       // the `table` artifact
 *     await (await ctx.run()).logMetric('rows', n);          // the step's tracking run
 *     return { rows: n };                                     // value outputs
 *   },
 * });
 * // p.step('count', countRows({ source: 'data.csv' })).out.rows : OutputRef<number>
 */
import { createHash } from 'node:crypto';
import type { Artifact, Inputs, JsonValue } from './refs.js';
import type { StepContext } from './step-context.js';

/** An artifact output: a file or folder the step writes at `ctx.outputPath(name)`. */
export interface ArtifactOutput<K extends string> {
  readonly type: 'artifact';
  readonly kind: K;
  /** A phantom for the compiler. */
  readonly __value?: Artifact<K>;
}

/** A value output: JSON the step returns from `run` (numbers, flags, small records). */
export interface ValueOutput<T> {
  readonly type: 'value';
  readonly __value?: T;
}

export type OutputDecl = ArtifactOutput<string> | ValueOutput<unknown>;

export function artifact<K extends string>(kind: K): ArtifactOutput<K> {
  return { type: 'artifact', kind };
}

export function value<T extends JsonValue | undefined = JsonValue>(): ValueOutput<T> {
  return { type: 'value' };
}

/** The value type each output declaration produces. */
export type OutputValues<D extends Record<string, OutputDecl>> = {
  [K in keyof D]: D[K] extends ArtifactOutput<infer A> ? Artifact<A> : D[K] extends ValueOutput<infer T> ? T : never;
};

type ValueKeys<D> = { [K in keyof D]: D[K] extends ValueOutput<unknown> ? K : never }[keyof D];
type ArtifactKeys<D> = { [K in keyof D]: D[K] extends ArtifactOutput<string> ? K : never }[keyof D];

/**
 * What `run` returns: every value output, and for an artifact output optionally the path it
 * wrote (default `ctx.outputPath(name)`; a path elsewhere is copied there).
 */
export type RunResult<D extends Record<string, OutputDecl>> = { [K in ValueKeys<D>]: OutputValues<D>[K] } & { [K in ArtifactKeys<D>]?: string };

export interface StepDefinitionOptions<I, D extends Record<string, OutputDecl>> {
  /** Stable id, e.g. `trainyard.validateData`. Part of the cache key. */
  id: string;
  /**
   * Code version, part of the cache key. Bump it when the step's behaviour changes in a way its
   * `run` source does not show (a helper in another file, a dependency). `run.toString()` is
   * hashed too, so an edit to `run` itself always misses the cache.
   */
  version: string;
  outputs: D;
  /** Inputs that are references to artifacts (so their digests enter the cache key) are found automatically. */
  run(inputs: I, ctx: StepContext): Promise<RunResult<D>>;
  /** Whether the cache may reuse this step's outputs (default true). A step with side effects (register) says false. */
  cache?: boolean;
  /** Default attempts policy; a `p.step(..., { retries })` overrides. */
  retries?: number;
  timeoutMs?: number;
}

export interface StepDefinition<I = any, D extends Record<string, OutputDecl> = Record<string, OutputDecl>> extends StepDefinitionOptions<I, D> {
  /** sha256 over id, version and `run`'s source. */
  readonly codeHash: string;
}

/** One use of a step definition with its inputs bound: what `p.step(name, ...)` takes. */
export interface StepInstance<D extends Record<string, OutputDecl> = Record<string, OutputDecl>> {
  readonly $step: 'function';
  readonly definition: StepDefinition<any, D>;
  /** The inputs as given: values, references, or non-JSON values (functions) hashed by source. */
  readonly inputs: Record<string, unknown>;
}

/** A factory: `validateData({ source, schema })` -> a StepInstance. */
export type StepFactory<I, D extends Record<string, OutputDecl>> = ((inputs: Inputs<I>) => StepInstance<D>) & { readonly definition: StepDefinition<I, D> };

export function defineStep<I, D extends Record<string, OutputDecl>>(opts: StepDefinitionOptions<I, D>): StepFactory<I, D> {
  if (!/^[\w.@/-]+$/.test(opts.id)) throw new Error(`Step id '${opts.id}' must be letters, digits and . _ - @ / only.`);
  const codeHash = createHash('sha256').update(`${opts.id}\0${opts.version}\0${opts.run.toString()}`).digest('hex');
  const definition: StepDefinition<I, D> = { ...opts, codeHash };
  const factory = (inputs: Inputs<I>): StepInstance<D> => ({ $step: 'function', definition, inputs: { ...(inputs as Record<string, unknown>) } });
  return Object.assign(factory, { definition });
}
