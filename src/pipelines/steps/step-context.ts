/**
 * @module The part of the pipeline runtime's StepContext the built-in steps use (the contract
 * wt-pipelines is writing: `run(inputs, ctx)`, `ctx.outputPath(name)`, `ctx.run()`,
 * `ctx.trainyard`, `ctx.log`). Declared structurally here so the steps build and run before the
 * runtime lands; the runtime's context satisfies it, and `runStepsInOrder`'s does too.
 */
import type { Trainyard } from '../../client/index.js';
import type { StepRun } from './step-run.js';

export interface BuiltinStepContext {
  readonly step: string;
  readonly pipeline: string;
  readonly pipelineRunId: string;
  readonly workdir: string;
  readonly log: { info(m: string): void; warn(m: string): void; error(m: string): void };
  outputPath(name: string): string;
  run(): Promise<StepRun>;
  readonly trainyard: Trainyard;
}

/** A built-in step in the shape of the runtime's `defineStep` options. */
export interface BuiltinStep<I, O> {
  id: string;
  version: string;
  /** Output names and whether each is an artifact (file/folder) or a JSON value. */
  outputs: Record<keyof O & string, 'artifact' | 'value'>;
  cache?: boolean;
  run(inputs: I, ctx: BuiltinStepContext): Promise<O>;
}
