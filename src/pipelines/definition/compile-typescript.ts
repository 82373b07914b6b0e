/**
 * @module A TypeScript `Pipeline` -> the validated `PipelineSpec`. Values that are not JSON
 * (functions, class instances) become `{ from: 'code', hash }`: the runtime takes them from the
 * re-imported definition, and their source text is what the cache key sees.
 */
import { isRef, type JsonValue } from './refs.js';
import type { Pipeline } from './pipeline-builder.js';
import { PipelineDefinitionError } from './pipeline-error.js';
import type { InputSpec, OutputSpec, ParamSpec, ParamType, PipelineSpec, StepSpec } from './spec.js';
import { sha256 } from './canonical-json.js';
import { finishSpec } from './finish-spec.js';

function paramType(v: unknown): ParamType {
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  return 'json';
}

function refSpec(v: unknown): InputSpec {
  const r = v as { $ref: string; step?: string; output?: string; param?: string; collected?: boolean };
  if (r.$ref === 'param') return { from: 'param', param: r.param! };
  if (r.$ref === 'item') return { from: 'item' };
  return r.collected ? { from: 'output', step: r.step!, output: r.output!, collected: true } : { from: 'output', step: r.step!, output: r.output! };
}

/** Converts one input value; `refs` collects references found inside lists and records. */
function toInput(v: unknown, path: (string | number)[], refs: { path: (string | number)[]; input: InputSpec }[]): JsonValue | { $code: string } {
  if (isRef(v)) {
    refs.push({ path, input: refSpec(v) });
    return null;
  }
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map((x, i) => toInput(x, [...path, i], refs)) as JsonValue;
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toInput(x, [...path, k], refs) as JsonValue;
    return out;
  }
  // Functions, class instances, RegExps: hashed by their source / shape.
  const text = typeof v === 'function' ? v.toString() : `${Object.getPrototypeOf(v)?.constructor?.name}:${safeString(v)}`;
  return { $code: sha256(text) };
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function hasCode(v: unknown): boolean {
  if (v && typeof v === 'object') {
    if ('$code' in (v as object) && Object.keys(v as object).length === 1) return true;
    return Object.values(v as object).some(hasCode);
  }
  return false;
}

export function inputSpecOf(value: unknown, field: string, step: string): InputSpec {
  if (isRef(value)) return refSpec(value);
  const refs: { path: (string | number)[]; input: InputSpec }[] = [];
  const json = toInput(value, [], refs);
  if (json && typeof json === 'object' && '$code' in json && Object.keys(json).length === 1) return { from: 'code', hash: (json as { $code: string }).$code };
  if (hasCode(json)) return { from: 'code', hash: sha256(JSON.stringify(json)) };
  if (refs.length > 0) return { from: 'nested', value: json as JsonValue, refs };
  void field;
  void step;
  return { from: 'literal', value: json as JsonValue };
}

export function compileTypeScript(p: Pipeline, source: { file: string; dir: string; text: string; lockDigest: string }): PipelineSpec {
  const params: Record<string, ParamSpec> = {};
  for (const [k, v] of Object.entries(p.paramDefaults)) params[k] = { type: paramType(v), default: toInput(v, [], []) as JsonValue };
  const steps: StepSpec[] = p.steps.map((b) => {
    const def = b.instance.definition;
    const o = b.options;
    const inputs: Record<string, InputSpec> = {};
    for (const [k, v] of Object.entries(b.instance.inputs)) {
      if (v === undefined) continue;
      inputs[k] = inputSpecOf(v, k, b.name);
    }
    const outputs: Record<string, OutputSpec> = {};
    for (const [k, d] of Object.entries(def.outputs)) outputs[k] = d.type === 'artifact' ? { type: 'artifact', kind: d.kind } : { type: 'value' };
    const after = (o.after ?? []).map((a) => (typeof a === 'string' ? a : a.name));
    let when: string | undefined;
    if (typeof o.when === 'string') when = o.when;
    else if (o.when && isRef(o.when)) {
      const r = refSpec(o.when);
      if (r.from === 'output') when = `steps.${r.step}.${r.output}`;
      else if (r.from === 'param') when = `params.${r.param}`;
      else throw new PipelineDefinitionError(b.name, 'when', 'a condition cannot read the map item.');
    }
    const spec: StepSpec = {
      name: b.name,
      kind: 'function',
      uses: def.id,
      codeHash: def.codeHash,
      inputs,
      outputs,
      needs: after,
      ...(b.map ? { map: { over: inputSpecOf(b.map.over, 'map.over', b.name), parallelism: (o as { parallelism?: number }).parallelism ?? 8 } } : {}),
      ...(when !== undefined ? { when } : {}),
      ...(o.finally ? { finally: true } : {}),
      retry: { retries: o.retries ?? def.retries ?? 0, backoffMs: o.backoffMs ?? 1000, backoffFactor: o.backoffFactor ?? 2, maxBackoffMs: o.maxBackoffMs ?? 60_000 },
      ...((o.timeoutMs ?? def.timeoutMs) !== undefined ? { timeoutMs: o.timeoutMs ?? def.timeoutMs } : {}),
      cache: o.cache ?? def.cache ?? true,
      env: {},
      ...(o.kubernetes ? { kubernetes: o.kubernetes } : {}),
      ...(o.agent ? { agent: { labels: { ...o.agent.labels } } } : {}),
    };
    return spec;
  });
  return finishSpec({ name: p.name, params, steps, form: 'typescript', ...source });
}
