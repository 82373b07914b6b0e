/**
 * @module Runs one attempt of a TypeScript step: re-imports the pipeline file (once per process),
 * finds the step, builds its context, calls `run`, and turns the result into outputs with
 * digests. The local executor calls it in-process; an agent calls the same function.
 */
import { existsSync, mkdirSync, copyFileSync, cpSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ActiveRun } from '../../client/active-run.js';
import type { Trainyard } from '../../client/trainyard.js';
import { importPipeline } from '../definition/load-pipeline-file.js';
import { DoNotRetry, type StepContext } from '../definition/step-context.js';
import type { StepDefinition } from '../definition/step-definition.js';
import type { OutputValue, StepOutcome, StepTask, TaskEvents } from '../executors/executor.js';
import { describeArtifact } from './digest-output.js';

export interface FunctionStepDeps {
  /** The SDK on the same store; created lazily by the host. */
  trainyard?: () => Trainyard;
}

export async function runFunctionStep(task: StepTask, events: TaskEvents, signal: AbortSignal, deps: FunctionStepDeps = {}): Promise<StepOutcome> {
  let trackingRun: ActiveRun | undefined;
  let trackingRunPromise: Promise<ActiveRun> | undefined;
  try {
    let definition: StepDefinition;
    const inputs: Record<string, unknown> = {};
    if (task.fn!.builtin) {
      // A built-in step named by id (a YAML `launch:` block): no TypeScript file to import. Loaded
      // here, not at the top: the steps import the pipelines API this module is part of.
      const { BUILTIN_STEPS } = await import('../steps/builtin-steps.js');
      const def = BUILTIN_STEPS[task.fn!.builtin];
      if (!def) return { status: 'failed', error: `No built-in step '${task.fn!.builtin}'.`, retryable: false };
      definition = def;
      Object.assign(inputs, task.inputs);
    } else {
      const pipeline = await importPipeline(resolve(task.cwd, task.fn!.module));
      const built = pipeline.steps.find((s) => s.name === task.fn!.step);
      if (!built) return { status: 'failed', error: `The pipeline file no longer has a step '${task.fn!.step}'.`, retryable: false };
      definition = built.instance.definition;
      for (const [k, v] of Object.entries(built.instance.inputs)) inputs[k] = k in task.inputs ? task.inputs[k] : v;
    }
    const outDir = join(task.workdir, 'outputs');
    mkdirSync(outDir, { recursive: true });
    const sdk = () => {
      if (!deps.trainyard) throw new Error('This executor gives steps no Trainyard connection.');
      return deps.trainyard();
    };
    const ctx: StepContext = {
      pipelineRunId: task.pipelineRunId,
      pipeline: task.pipeline,
      ...(task.definitionHash ? { definitionHash: task.definitionHash } : {}),
      step: task.step,
      ...(task.itemIndex !== undefined ? { itemIndex: task.itemIndex } : {}),
      attempt: task.attempt,
      workdir: task.workdir,
      projectDir: task.cwd,
      params: task.params,
      log: {
        info: (m) => events.log('stdout', m),
        warn: (m) => events.log('stdout', `WARN ${m}`),
        error: (m) => events.log('stderr', `ERROR ${m}`),
      },
      signal,
      outputPath: (name) => join(outDir, name),
      run: () =>
        (trackingRunPromise ??= sdk()
          .startRun({ experiment: task.pipeline, name: task.itemIndex !== undefined ? `${task.step}[${task.itemIndex}]` : task.step, tags: { 'trainyard.pipeline.run': task.pipelineRunId, 'trainyard.pipeline.step': task.step }, capture: false })
          .then((r) => (trackingRun = r))),
      get trainyard() {
        return sdk();
      },
    };
    const result = ((await definition.run(inputs, ctx)) ?? {}) as Record<string, unknown>;
    if (signal.aborted) return { status: 'cancelled', reason: String(signal.reason ?? 'cancelled') };
    const outputs: Record<string, OutputValue> = {};
    for (const [name, decl] of Object.entries(definition.outputs)) {
      if (decl.type === 'value') {
        outputs[name] = (result[name] ?? null) as OutputValue;
        continue;
      }
      const target = join(outDir, name);
      const given = result[name];
      if (typeof given === 'string' && resolve(given) !== target && existsSync(given)) {
        if (statSync(given).isDirectory()) cpSync(given, target, { recursive: true });
        else copyFileSync(given, target);
      }
      if (!existsSync(target)) return { status: 'failed', error: `Step '${task.step}' did not write its artifact output '${name}' (expected at ctx.outputPath('${name}')).`, retryable: false };
      outputs[name] = await describeArtifact(decl.kind, target);
    }
    if (trackingRun) await trackingRun.end('FINISHED');
    return { status: 'succeeded', outputs, ...(trackingRun ? { trackingRunId: trackingRun.info.run_id } : {}) };
  } catch (e) {
    if (trackingRun) await trackingRun.end(signal.aborted ? 'KILLED' : 'FAILED').catch(() => {});
    if (signal.aborted) return { status: 'cancelled', reason: String(signal.reason ?? 'cancelled') };
    const err = e as Error;
    events.log('stderr', err?.stack ?? String(e));
    return { status: 'failed', error: err?.message ?? String(e), retryable: !(e instanceof DoNotRetry || err?.name === 'DoNotRetry'), ...(trackingRun ? { trackingRunId: trackingRun.info.run_id } : {}) };
  }
}
