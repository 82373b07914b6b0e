/**
 * @module Runs a `pipeline(...)` built with the pipelines API one step at a time through
 * `runStepsInOrder`: references resolved to earlier outputs and params, artifact outputs handed on
 * as `Artifact`s with their sha256 digests. For tests and scripts that want a pipeline's steps
 * without the scheduler's tables: no `map`, conditions or `finally` steps, no retries.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Trainyard } from '../../client/index.js';
import { isRef, type Artifact, type Pipeline, type StepContext } from '../index.js';
import { runStepsInOrder, type PlannedStep, type SequentialRunResult, type StepEvent } from './sequential-runner.js';
import type { BuiltinStep } from './step-context.js';

function fileDigest(p: string): string {
  return createHash('sha256').update(readFileSync(p)).digest('hex');
}

/** The contract's digest: a file's bytes, or a folder's sorted `relative-path\0sha256\n` list. */
export function artifactDigest(p: string): { digest: string; size: number } {
  const st = statSync(p);
  if (!st.isDirectory()) return { digest: `sha256:${fileDigest(p)}`, size: st.size };
  const files: string[] = [];
  const walk = (d: string) => { for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name)); };
  walk(p);
  const h = createHash('sha256');
  let size = 0;
  for (const f of files.map((f) => relative(p, f).split(sep).join('/')).sort()) { h.update(`${f}\0${fileDigest(join(p, f))}\n`); size += statSync(join(p, f)).size; }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

function resolveRefs(v: unknown, outs: Record<string, Record<string, unknown>>, params: Record<string, unknown>, where: string): unknown {
  if (isRef(v)) {
    if (v.$ref === 'param') return params[v.param];
    if (v.$ref === 'output') {
      if (!(v.step in outs)) throw new Error(`${where}: step '${v.step}' has not run before this step; order the steps so it comes first.`);
      return outs[v.step]![v.output];
    }
    throw new Error(`${where}: map items need the pipeline scheduler (not merged yet).`);
  }
  if (Array.isArray(v)) return v.map((x) => resolveRefs(x, outs, params, where));
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveRefs(x, outs, params, `${where}.${k}`)]));
  }
  return v;
}

export async function runPipelineInOrder(ty: Trainyard, p: Pipeline, opts: {
  home: string; params?: Record<string, unknown>; noCache?: boolean; onEvent?: (e: StepEvent) => void;
}): Promise<SequentialRunResult> {
  const params = { ...p.paramDefaults, ...(opts.params ?? {}) };
  const planned: PlannedStep[] = p.steps.map((b) => {
    if (b.map || b.options.when !== undefined || b.options.finally) throw new Error(`Step '${b.name}': map, when and finally need the pipeline scheduler (not merged yet).`);
    const def = b.instance.definition;
    const kinds = Object.fromEntries(Object.entries(def.outputs).map(([k, d]) => [k, d.type])) as Record<string, 'artifact' | 'value'>;
    const step: BuiltinStep<Record<string, unknown>, Record<string, unknown>> = {
      id: def.id, version: def.version, outputs: kinds, ...(def.cache === false || b.options.cache === false ? { cache: false } : {}),
      // The definition's own source (and code hash) is what the cache key must see.
      run: Object.assign(async (inputs: Record<string, unknown>, ctx: Parameters<BuiltinStep<unknown, unknown>['run']>[1]) => {
        const full = {
          ...ctx, attempt: 1, params, signal: new AbortController().signal,
        } as unknown as StepContext;
        const result = (await def.run(inputs, full)) as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const [k, kind] of Object.entries(kinds)) {
          if (kind === 'value') { out[k] = result[k]; continue; }
          const dest = ctx.outputPath(k);
          const written = typeof result[k] === 'string' ? (result[k] as string) : dest;
          if (written !== dest) cpSync(written, dest, { recursive: true });
          if (!existsSync(dest)) throw new Error(`Step '${b.name}' did not write its artifact output '${k}'.`);
          const a: Artifact = { kind: (def.outputs[k] as { kind: string }).kind, path: dest, uri: pathToFileURL(dest).href, ...artifactDigest(dest) };
          out[k] = a;
        }
        return out;
      }, { toString: () => `${def.codeHash}` }),
    };
    return { name: b.name, step, inputs: (outs) => resolveRefs(b.instance.inputs, outs, params, `step '${b.name}'`) as Record<string, unknown> };
  });
  return runStepsInOrder(ty, { pipeline: p.name, steps: planned, home: opts.home, ...(opts.noCache ? { noCache: true } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) });
}
