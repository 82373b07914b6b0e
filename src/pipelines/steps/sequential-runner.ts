/**
 * @module A small in-order runner for steps (no scheduler, no store tables): what the YAML
 * command variant's test and step-level tests use; `trainyard demo` uses the pipeline scheduler. Each step gets a workdir, a
 * tracking run (experiment = the pipeline, tags trainyard.pipeline.*) and a cache entry keyed by
 * sha256(step id, version, run's source, inputs, digests of input files and folders); a hit reuses
 * the outputs and says which pipeline run made them. The key's ingredients are stored beside it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Trainyard } from '../../client/index.js';
import type { BuiltinStep, BuiltinStepContext } from './step-context.js';
import type { StepRun } from './step-run.js';

export interface PlannedStep<O = Record<string, unknown>> {
  name: string;
  step: BuiltinStep<any, O>;
  /** The step's inputs, from earlier steps' outputs by name. */
  inputs: (outs: Record<string, Record<string, unknown>>) => Record<string, unknown>;
}

export type StepEvent =
  | { kind: 'start'; step: string }
  | { kind: 'log'; step: string; level: 'info' | 'warn' | 'error'; message: string }
  | { kind: 'done'; step: string; ms: number; cached?: { runId: string; key: string } }
  | { kind: 'failed'; step: string; ms: number; error: Error };

export interface SequentialRunResult {
  runId: string;
  outputs: Record<string, Record<string, unknown>>;
  cached: string[];
  stepRuns: Record<string, string>;
}

function digestPath(p: string, h: ReturnType<typeof createHash>): void {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const e of readdirSync(p).sort()) { h.update(`/${e}\0`); digestPath(join(p, e), h); }
  } else h.update(readFileSync(p));
}

/** Inputs as canonical JSON; functions by source; existing paths by content digest. */
function canonical(v: unknown, files: Record<string, string>): unknown {
  // An Artifact from an earlier step: its content digest, not where this run put it.
  if (v && typeof v === 'object' && typeof (v as { digest?: unknown }).digest === 'string' && typeof (v as { path?: unknown }).path === 'string') return `artifact:${(v as { digest: string }).digest}`;
  if (typeof v === 'function') return `fn:${createHash('sha256').update(v.toString()).digest('hex')}`;
  if (typeof v === 'string' && v.length < 4096 && (v.startsWith('/') || v.startsWith('.')) && existsSync(v)) {
    const h = createHash('sha256');
    digestPath(v, h);
    files[v] = h.digest('hex');
    return `file:${files[v]}`;
  }
  if (Array.isArray(v)) return v.map((x) => canonical(x, files));
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k], files)]));
  return v;
}

export async function runStepsInOrder(ty: Trainyard, opts: {
  pipeline: string; steps: PlannedStep[]; home: string; noCache?: boolean; onEvent?: (e: StepEvent) => void;
}): Promise<SequentialRunResult> {
  const runId = `pr_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const root = join(opts.home, 'pipeline-runs', runId);
  const cacheDir = join(opts.home, 'pipeline-cache');
  mkdirSync(cacheDir, { recursive: true });
  const outputs: Record<string, Record<string, unknown>> = {};
  const cached: string[] = [];
  const stepRuns: Record<string, string> = {};
  const emit = opts.onEvent ?? (() => {});
  for (const planned of opts.steps) {
    const t0 = Date.now();
    emit({ kind: 'start', step: planned.name });
    const inputs = planned.inputs(outputs);
    const files: Record<string, string> = {};
    const ingredients = { step: planned.step.id, version: planned.step.version, code: createHash('sha256').update(planned.step.run.toString()).digest('hex'), inputs: canonical(inputs, files), files };
    const key = createHash('sha256').update(JSON.stringify(ingredients)).digest('hex');
    const entry = join(cacheDir, `${key}.json`);
    if (!opts.noCache && planned.step.cache !== false && existsSync(entry)) {
      const hit = JSON.parse(readFileSync(entry, 'utf8')) as { outputs: Record<string, unknown>; runId: string; stepRun: string };
      const where = (o: unknown) => String(o && typeof o === 'object' ? (o as { path?: unknown }).path : o);
      // An entry whose files were deleted is a miss, not a broken hit.
      const artifactsThere = Object.entries(planned.step.outputs).every(([k, kind]) => kind !== 'artifact' || existsSync(where(hit.outputs[k])));
      if (artifactsThere) {
        outputs[planned.name] = hit.outputs;
        stepRuns[planned.name] = hit.stepRun;
        cached.push(planned.name);
        emit({ kind: 'done', step: planned.name, ms: Date.now() - t0, cached: { runId: hit.runId, key } });
        continue;
      }
    }
    const workdir = join(root, planned.name);
    mkdirSync(join(workdir, 'outputs'), { recursive: true });
    let run: StepRun | undefined;
    let active: Awaited<ReturnType<Trainyard['startRun']>> | undefined;
    const ctx: BuiltinStepContext = {
      step: planned.name,
      pipeline: opts.pipeline,
      pipelineRunId: runId,
      workdir,
      trainyard: ty,
      outputPath: (name) => join(workdir, 'outputs', name),
      log: {
        info: (message) => emit({ kind: 'log', step: planned.name, level: 'info', message }),
        warn: (message) => emit({ kind: 'log', step: planned.name, level: 'warn', message }),
        error: (message) => emit({ kind: 'log', step: planned.name, level: 'error', message }),
      },
      run: async () => {
        if (!run) {
          active = await ty.startRun({ experiment: opts.pipeline, name: `${opts.pipeline}/${planned.name}`, capture: false,
            tags: { 'trainyard.pipeline.run': runId, 'trainyard.pipeline.step': planned.name, 'trainyard.pipeline.cache_key': key } });
          run = active;
        }
        return run;
      },
    };
    try {
      const out = await planned.step.run(inputs, ctx) as Record<string, unknown>;
      if (active) await active.end('FINISHED');
      outputs[planned.name] = out;
      if (active) stepRuns[planned.name] = active.id;
      writeFileSync(entry, JSON.stringify({ key, ingredients, outputs: out, runId, step: planned.name, stepRun: active?.id ?? null, at: Date.now() }, null, 1));
      emit({ kind: 'done', step: planned.name, ms: Date.now() - t0 });
    } catch (e) {
      if (active) {
        await active.setTag('trainyard.error', String((e as Error)?.message ?? e).slice(0, 4000)).catch(() => {});
        await active.end('FAILED').catch(() => {});
      }
      emit({ kind: 'failed', step: planned.name, ms: Date.now() - t0, error: e as Error });
      throw e;
    }
  }
  return { runId, outputs, cached, stepRuns };
}
