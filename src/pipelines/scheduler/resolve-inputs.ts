/** @module Turns a step's InputSpecs into values from params, earlier outputs and the map item. */
import type { JsonValue } from '../definition/refs.js';
import type { InputSpec } from '../definition/spec.js';
import type { TaskInput } from '../executors/executor.js';

export interface InputScope {
  params: Record<string, JsonValue>;
  output(step: string, output: string, collected: boolean): unknown;
  item?: unknown;
}

const SKIP = Symbol('code input');

function resolveOne(i: InputSpec, scope: InputScope): unknown {
  switch (i.from) {
    case 'literal':
      return i.value;
    case 'param':
      return scope.params[i.param] ?? null;
    case 'item':
      return scope.item ?? null;
    case 'output':
      return scope.output(i.step, i.output, i.collected ?? false) ?? null;
    case 'code':
      return SKIP;
    case 'nested': {
      const v = structuredClone(i.value) as unknown;
      for (const r of i.refs) {
        if (r.path.length === 0) return resolveOne(r.input, scope);
        let at = v as Record<string | number, unknown>;
        for (const k of r.path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        at[r.path[r.path.length - 1]!] = resolveOne(r.input, scope);
      }
      return v;
    }
  }
}

/** Code inputs (functions) are left out: the function runtime takes them from the definition. */
export function resolveInputs(inputs: Record<string, InputSpec>, scope: InputScope): Record<string, TaskInput> {
  const out: Record<string, TaskInput> = {};
  for (const [k, i] of Object.entries(inputs)) {
    const v = resolveOne(i, scope);
    if (v !== SKIP) out[k] = v as TaskInput;
  }
  return out;
}

export function resolveValue(i: InputSpec, scope: InputScope): unknown {
  return resolveOne(i, scope);
}
