/**
 * @module The cache key of one step (or map item): sha256 over its code hash, the environment
 * (lockfiles, Node major, the step's env), its resolved inputs with every artifact replaced by
 * its digest (paths differ between runs, content does not), and the map item. The ingredients
 * are stored next to the key so `pipeline show` can say why a step hit or missed.
 */
import { hashJson } from '../definition/canonical-json.js';
import type { PipelineSpec, StepSpec } from '../definition/spec.js';

function digestsOnly(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(digestsOnly);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.digest === 'string' && typeof o.path === 'string') return { artifact: o.kind, digest: o.digest };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, digestsOnly(x)]));
  }
  return v;
}

export interface CacheIngredients {
  code: string;
  environment: string;
  inputs: unknown;
  codeInputs: Record<string, string>;
  item?: unknown;
  command?: string;
}

export function cacheIngredients(spec: PipelineSpec, step: StepSpec, inputs: Record<string, unknown>, item: unknown, renderedCommand?: string): CacheIngredients {
  const codeInputs: Record<string, string> = {};
  for (const [k, i] of Object.entries(step.inputs)) if (i.from === 'code') codeInputs[k] = i.hash;
  return {
    code: step.codeHash,
    environment: hashJson({ lock: spec.environmentHash, env: step.env }),
    inputs: digestsOnly(inputs),
    codeInputs,
    ...(item !== undefined ? { item: digestsOnly(item) } : {}),
    // The rendered command holds output paths under the run's workdir: hash the template instead (in `code`).
  };
  void renderedCommand;
}

export function cacheKeyOf(ing: CacheIngredients): string {
  return hashJson(ing);
}
