/**
 * @module The YAML form: command steps in any language with `{{params.x}}`, `{{inputs.x}}`,
 * `{{outputs.x}}`, `{{item}}` placeholders and declared input/output files. Unknown keys,
 * wrong types, undeclared placeholders and mismatched artifact kinds are refused naming the
 * step and the field.
 *
 * @example
 * name: py-train
 * params: { lr: 0.1, epochs: { type: integer, default: 3 } }
 * steps:
 *   prepare:
 *     command: python3 prep.py --out {{outputs.data}}
 *     outputs: { data: { type: artifact, kind: table, path: data.csv } }
 *   train:
 *     command: python3 train.py --data {{inputs.data}} --lr {{params.lr}}
 *     inputs: { data: steps.prepare.outputs.data }
 *     outputs: { metrics: { type: value, path: metrics.json } }
 *     retries: 2
 *     timeout: 10m
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { sha256 } from './canonical-json.js';
import { finishSpec } from './finish-spec.js';
import { PipelineDefinitionError } from './pipeline-error.js';
import type { JsonValue } from './refs.js';
import type { InputSpec, OutputSpec, ParamSpec, ParamType, PipelineSpec, StepSpec } from './spec.js';

const paramTypes = ['string', 'number', 'integer', 'boolean', 'json'] as const;
const duration = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h)$/, 'a duration such as 500ms, 30s, 10m, 2h')]);
const outputSchema = z.strictObject({ type: z.enum(['artifact', 'value']).default('artifact'), kind: z.string().optional(), path: z.string().min(1) });
const inputSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.strictObject({ from: z.string().optional(), value: z.any().optional(), kind: z.string().optional(), type: z.enum(['artifact', 'value']).optional() })]);
const quantities = z.record(z.string(), z.union([z.string(), z.number()]).transform(String));
const kubernetesSchema = z.strictObject({
  image: z.string().min(1).optional(),
  resources: z.strictObject({ requests: quantities.optional(), limits: quantities.optional() }).optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  serviceAccountName: z.string().min(1).optional(),
  workingDir: z.string().min(1).optional(),
});
// A `launch:` step: a distributed PyTorch job (the built-in trainyard.launchTraining step).
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const launchSchema = z.strictObject({
  script: z.string().min(1),
  args: z.array(z.union([z.string(), z.number()])).optional(),
  nprocPerNode: z.union([z.number().int().positive(), z.string()]).optional(),
  nnodes: z.union([z.number().int().positive(), z.string()]).optional(),
  maxRestarts: z.union([z.number().int().min(0), z.string()]).optional(),
  python: z.string().min(1).optional(),
  experiment: z.string().min(1).optional(),
  jobId: z.string().min(1).optional(),
  env: z.record(z.string(), scalar).optional(),
  graceSeconds: z.union([z.number().positive(), z.string()]).optional(),
  stallSeconds: z.union([z.number().min(0), z.string()]).optional(),
  checkpointDir: z.string().min(1).optional(),
  resumeFrom: z.string().min(1).optional(),
  cwd: z.string().min(1).optional(),
});
export const LAUNCH_STEP_ID = 'trainyard.launchTraining';
const LAUNCH_OUTPUTS: Record<string, OutputSpec> = { jobId: { type: 'value' }, runId: { type: 'value' }, state: { type: 'value' }, attempts: { type: 'value' }, restarts: { type: 'value' } };
const stepSchema = z.strictObject({
  command: z.string().min(1).optional(),
  launch: launchSchema.optional(),
  inputs: z.record(z.string(), inputSchema).optional(),
  outputs: z.record(z.string(), outputSchema).optional(),
  after: z.array(z.string()).optional(),
  map: z.strictObject({ over: z.any(), parallelism: z.number().int().positive().default(8) }).optional(),
  when: z.string().optional(),
  finally: z.boolean().optional(),
  retries: z.number().int().min(0).max(100).optional(),
  backoff: duration.optional(),
  timeout: duration.optional(),
  cache: z.boolean().optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  kubernetes: kubernetesSchema.optional(),
  agent: z.strictObject({ labels: z.record(z.string().min(1), z.string()) }).optional(),
});
const docSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'letters, digits, . _ - only'),
  description: z.string().optional(),
  params: z.record(z.string(), z.any()).optional(),
  steps: z.record(z.string(), z.any()),
});

export function durationMs(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(v)!;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms'];
}

function zodProblem(e: z.ZodError): { field: string; message: string } {
  const i = e.issues[0]!;
  const keys = (i as { keys?: string[] }).keys;
  const field = [...i.path.map(String), ...(keys ? [keys[0]!] : [])].join('.');
  return { field, message: i.code === 'unrecognized_keys' ? `unknown field '${keys![0]}'` : i.message };
}

function paramOf(name: string, v: unknown): ParamSpec {
  if (v && typeof v === 'object' && !Array.isArray(v) && 'type' in (v as object)) {
    const o = v as { type: unknown; default?: JsonValue };
    if (!paramTypes.includes(o.type as ParamType)) throw new PipelineDefinitionError(undefined, `params.${name}.type`, `must be one of ${paramTypes.join(', ')}.`);
    const p: ParamSpec = { type: o.type as ParamType, ...(o.default !== undefined ? { default: o.default } : {}) };
    if (o.default !== undefined) checkParamValue(name, p.type, o.default);
    return p;
  }
  const type: ParamType = typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v === 'boolean' ? 'boolean' : typeof v === 'string' ? 'string' : 'json';
  return { type, default: v as JsonValue };
}

/** Throws when `v` is not a `type`. */
export function checkParamValue(name: string, type: ParamType, v: unknown): void {
  const ok = type === 'json' || (type === 'string' ? typeof v === 'string' : type === 'boolean' ? typeof v === 'boolean' : type === 'integer' ? Number.isInteger(v) : typeof v === 'number' && Number.isFinite(v));
  if (!ok) throw new PipelineDefinitionError(undefined, `params.${name}`, `type mismatch: expected ${type}, got ${JSON.stringify(v)}.`);
}

const REF_RE = /^(?:steps\.([\w-]+)\.outputs\.([\w-]+)(\[\*\])?|params\.([\w-]+)|item)$/;

function refOf(text: string): InputSpec | undefined {
  const m = REF_RE.exec(text.trim());
  if (!m) return undefined;
  if (m[4]) return { from: 'param', param: m[4] };
  if (!m[1]) return { from: 'item' };
  return m[3] ? { from: 'output', step: m[1], output: m[2]!, collected: true } : { from: 'output', step: m[1], output: m[2]! };
}

export function compileYaml(text: string, source: { file: string; dir: string; lockDigest: string }): PipelineSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new PipelineDefinitionError(undefined, undefined, `not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const top = docSchema.safeParse(doc);
  if (!top.success) {
    const p = zodProblem(top.error);
    throw new PipelineDefinitionError(undefined, p.field || undefined, p.message);
  }
  const params: Record<string, ParamSpec> = {};
  for (const [k, v] of Object.entries(top.data.params ?? {})) params[k] = paramOf(k, v);
  const raw = top.data.steps;
  const steps: StepSpec[] = [];
  const kinds = new Map<string, Record<string, OutputSpec>>();
  for (const [name, body] of Object.entries(raw)) {
    const r = stepSchema.safeParse(body);
    if (!r.success) {
      const p = zodProblem(r.error);
      throw new PipelineDefinitionError(name, p.field || undefined, p.message);
    }
    const s = r.data;
    if (s.launch !== undefined) {
      if (s.command !== undefined) throw new PipelineDefinitionError(name, 'launch', 'a step has either command or launch, not both.');
      for (const f of ['inputs', 'outputs', 'map', 'env', 'kubernetes'] as const) if (s[f] !== undefined) throw new PipelineDefinitionError(name, f, `not available on a launch step (its outputs are ${Object.keys(LAUNCH_OUTPUTS).join(', ')}; put the job's environment under launch.env).`);
      const step = launchStep(name, s.launch, s, params);
      kinds.set(name, step.outputs);
      steps.push(step);
      continue;
    }
    if (s.command === undefined) throw new PipelineDefinitionError(name, 'command', 'required (or a launch: block for a distributed training job).');
    const command = s.command;
    const outputs: Record<string, OutputSpec> = {};
    for (const [k, o] of Object.entries(s.outputs ?? {})) outputs[k] = o.type === 'artifact' ? { type: 'artifact', kind: o.kind ?? 'file', path: o.path } : { type: 'value', path: o.path };
    kinds.set(name, outputs);
    const inputs: Record<string, InputSpec> = {};
    const declaredKind: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(s.inputs ?? {})) {
      if (typeof v === 'string') inputs[k] = refOf(v) ?? { from: 'literal', value: v };
      else if (v === null || typeof v !== 'object') inputs[k] = { from: 'literal', value: v };
      else if (v.from !== undefined) {
        const ref = refOf(v.from);
        if (!ref) throw new PipelineDefinitionError(name, `inputs.${k}.from`, `'${v.from}' is not steps.<step>.outputs.<name>, params.<name> or item.`);
        inputs[k] = ref;
        declaredKind[k] = v.kind;
      } else inputs[k] = { from: 'literal', value: (v.value ?? null) as JsonValue };
    }
    for (const m of command.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
      const t = m[1]!;
      const [head, key] = t.split('.', 2);
      if (head === 'params' && key && !(key in params)) throw new PipelineDefinitionError(name, 'command', `unknown param '{{${t}}}' (declared: ${Object.keys(params).join(', ') || 'none'}).`);
      else if (head === 'inputs' && key && !(key in inputs)) throw new PipelineDefinitionError(name, 'command', `'{{${t}}}' names an input the step does not declare under inputs.`);
      else if (head === 'outputs' && key && !(key in outputs)) throw new PipelineDefinitionError(name, 'command', `'{{${t}}}' names an output the step does not declare under outputs.`);
      else if (t === 'item' && !s.map) throw new PipelineDefinitionError(name, 'command', "'{{item}}' is only available in a map step.");
      else if (!['params', 'inputs', 'outputs'].includes(head!) && t !== 'item' && t !== 'workdir') throw new PipelineDefinitionError(name, 'command', `unknown placeholder '{{${t}}}': use params.X, inputs.X, outputs.X, item or workdir.`);
    }
    let over: InputSpec | undefined;
    if (s.map) over = typeof s.map.over === 'string' ? refOf(s.map.over) ?? { from: 'literal', value: s.map.over } : { from: 'literal', value: s.map.over as JsonValue };
    if (over?.from === 'literal' && !Array.isArray(over.value)) throw new PipelineDefinitionError(name, 'map.over', 'must be a list, or steps.X.outputs.Y / params.Y holding one.');
    const step: StepSpec = {
      name,
      kind: 'command',
      codeHash: sha256(`${command}\0${JSON.stringify(s.env ?? {})}`),
      command: command,
      inputs,
      outputs,
      needs: s.after ?? [],
      ...(s.map ? { map: { over: over!, parallelism: s.map.parallelism } } : {}),
      ...(s.when ? { when: s.when } : {}),
      ...(s.finally ? { finally: true } : {}),
      retry: { retries: s.retries ?? 0, backoffMs: s.backoff !== undefined ? durationMs(s.backoff) : 1000, backoffFactor: 2, maxBackoffMs: 60_000 },
      ...(s.timeout !== undefined ? { timeoutMs: durationMs(s.timeout) } : {}),
      cache: s.cache ?? true,
      env: Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, String(v)])),
      ...(s.kubernetes ? { kubernetes: s.kubernetes as StepSpec['kubernetes'] } : {}),
      ...(s.agent ? { agent: { labels: s.agent.labels } } : {}),
    };
    (step as StepSpec & { declaredKinds?: unknown }).declaredKinds = declaredKind;
    steps.push(step);
  }
  // Type check across steps: a declared input kind must be what the producer writes.
  for (const st of steps) {
    const declared = (st as StepSpec & { declaredKinds?: Record<string, string | undefined> }).declaredKinds ?? {};
    delete (st as StepSpec & { declaredKinds?: unknown }).declaredKinds;
    for (const [k, kind] of Object.entries(declared)) {
      const i = st.inputs[k]!;
      if (!kind || i.from !== 'output') continue;
      const out = kinds.get(i.step)?.[i.output];
      if (out && (out.type !== 'artifact' || out.kind !== kind)) throw new PipelineDefinitionError(st.name, `inputs.${k}`, `type mismatch: expects artifact kind '${kind}', but steps.${i.step}.outputs.${i.output} is ${out.type === 'artifact' ? `kind '${out.kind}'` : 'a value'}.`);
    }
  }
  return finishSpec({ name: top.data.name, params, steps, form: 'yaml', file: source.file, dir: source.dir, text, lockDigest: source.lockDigest });
}

const PLACEHOLDER = /^\{\{\s*(params\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+)\s*\}\}$/;

/** A launch field: a literal, or a whole-value `{{params.x}}` / `{{steps.a.outputs.b}}`. */
function launchValue(step: string, field: string, v: unknown, params: Record<string, ParamSpec>): { value: JsonValue; ref?: InputSpec } {
  if (typeof v !== 'string' || !v.includes('{{')) return { value: v as JsonValue };
  const m = PLACEHOLDER.exec(v.trim());
  if (!m) throw new PipelineDefinitionError(step, field, `a placeholder must be the whole value ('{{params.epochs}}' or '{{steps.prep.outputs.path}}'), e.g. args: [--epochs, '{{params.epochs}}'] (got '${v}').`);
  const ref = refOf(m[1]!)!;
  if (ref.from === 'param' && !(ref.param in params)) throw new PipelineDefinitionError(step, field, `unknown param '${v}' (declared: ${Object.keys(params).join(', ') || 'none'}).`);
  return { value: null, ref };
}

function launchStep(name: string, l: z.infer<typeof launchSchema>, s: z.infer<typeof stepSchema>, params: Record<string, ParamSpec>): StepSpec {
  const inputs: Record<string, InputSpec> = {};
  const one = (key: string, v: unknown, field = `launch.${key}`) => {
    const r = launchValue(name, field, v, params);
    inputs[key] = r.ref ?? { from: 'literal', value: r.value };
  };
  // command = [script, ...args], one input (nested when some arguments are placeholders).
  const parts = [l.script, ...(l.args ?? [])].map((v, i) => launchValue(name, i === 0 ? 'launch.script' : `launch.args[${i - 1}]`, v, params));
  const refs = parts.flatMap((p, i) => (p.ref ? [{ path: [i], input: p.ref }] : []));
  inputs.command = refs.length ? { from: 'nested', value: parts.map((p) => p.value), refs } : { from: 'literal', value: parts.map((p) => p.value) };
  for (const key of ['nprocPerNode', 'nnodes', 'maxRestarts', 'python', 'experiment', 'jobId', 'graceSeconds', 'stallSeconds', 'checkpointDir', 'resumeFrom', 'cwd'] as const) if (l[key] !== undefined) one(key, l[key]);
  if (l.env) inputs.env = { from: 'literal', value: Object.fromEntries(Object.entries(l.env).map(([k, v]) => [k, String(v)])) };
  return {
    name,
    kind: 'function',
    uses: LAUNCH_STEP_ID,
    builtin: true,
    codeHash: sha256(`${LAUNCH_STEP_ID}@1\0${JSON.stringify(l)}`),
    inputs,
    outputs: { ...LAUNCH_OUTPUTS },
    needs: s.after ?? [],
    ...(s.when ? { when: s.when } : {}),
    ...(s.finally ? { finally: true } : {}),
    retry: { retries: s.retries ?? 0, backoffMs: s.backoff !== undefined ? durationMs(s.backoff) : 1000, backoffFactor: 2, maxBackoffMs: 60_000 },
    ...(s.timeout !== undefined ? { timeoutMs: durationMs(s.timeout) } : {}),
    // A training script's code is not in the key (only its command line): run it unless asked.
    cache: s.cache ?? false,
    env: {},
  };
}
