/**
 * @module Typed references between steps. A reference is a plain JSON-able object: which step's
 * output (or which pipeline param, or the current map item) it points to. Its TypeScript type
 * carries the value's type as a phantom, so `train: feats.out.table` fails to compile when
 * `train` wants an `Artifact<'dataset'>` and `table` is an `Artifact<'table'>`.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/**
 * A file or folder one step wrote and another reads. `kind` is a free label checked by the
 * compiler (`Artifact<'model'>` is not an `Artifact<'table'>`). At run time a step receives it
 * with `path` on its own machine and `digest` (sha256 of the content: a file's bytes, or a
 * folder's sorted `relative-path\0sha256\n` list).
 */
export interface Artifact<K extends string = string> {
  readonly kind: K;
  /** Absolute local path where the step can read it. */
  readonly path: string;
  /** `file:///...` on the machine that produced it, or an artifact-store URI. */
  readonly uri: string;
  /** `sha256:<hex>`. */
  readonly digest: string;
  readonly size: number;
}

declare const phantom: unique symbol;

/** An earlier step's output. */
export interface OutputRef<T> {
  readonly $ref: 'output';
  readonly step: string;
  readonly output: string;
  /** Set when the step is a map: the reference is to the collected list of every item's output. */
  readonly collected?: boolean;
  readonly [phantom]?: T;
}

/** A pipeline parameter (`p.params.trials`), overridable per run with `--param trials=50`. */
export interface ParamRef<T> {
  readonly $ref: 'param';
  readonly param: string;
  readonly [phantom]?: T;
}

/** The current item inside a `p.map(...)` body. */
export interface ItemRef<T> {
  readonly $ref: 'item';
  readonly [phantom]?: T;
}

export type Ref<T> = OutputRef<T> | ParamRef<T> | ItemRef<T>;

/** What a step input accepts: the value itself or a reference that produces it. */
export type Input<T> = T | Ref<T>;

/** A step's inputs as its factory accepts them. */
export type Inputs<I> = { [K in keyof I]: Input<I[K]> };

export function isRef(v: unknown): v is Ref<unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const r = (v as { $ref?: unknown }).$ref;
  return r === 'output' || r === 'param' || r === 'item';
}
