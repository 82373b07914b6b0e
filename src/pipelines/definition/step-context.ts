/**
 * @module What a TypeScript step's `run(inputs, ctx)` receives. The same context is built by
 * every executor (in-process on the server or the CLI, or on an agent), so a step never knows
 * where it runs.
 */
import type { ActiveRun } from '../../client/active-run.js';
import type { Trainyard } from '../../client/trainyard.js';
import type { JsonValue } from './refs.js';

export interface StepLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface StepContext {
  /** The pipeline run, e.g. `pr_...`. */
  readonly pipelineRunId: string;
  readonly pipeline: string;
  /** The pipeline run's definition hash (the spec it runs). */
  readonly definitionHash?: string;
  /** The step's name in the pipeline (`validate`). */
  readonly step: string;
  /** Inside a map: the item's index; else undefined. */
  readonly itemIndex?: number;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The pipeline file's folder (relative paths in a step's inputs resolve from it). */
  readonly projectDir?: string;
  /** A fresh empty folder for this attempt; outputs go under `outputs/`. */
  readonly workdir: string;
  /** The run's parameters after `--param` overrides. */
  readonly params: Readonly<Record<string, JsonValue>>;
  /** Lines go to the step's log (`trainyard pipeline logs RUN --step NAME`). */
  readonly log: StepLogger;
  /** Aborted on cancel or timeout: long loops should check it, fetches should pass it on. */
  readonly signal: AbortSignal;
  /** Where to write artifact output `name` (a file path; make it a folder if you need one). */
  outputPath(name: string): string;
  /**
   * The step's tracking run, created on first call (experiment = the pipeline's name, tags
   * `trainyard.pipeline.run` / `trainyard.pipeline.step`) and linked in the lineage. Ended by the
   * runtime with the step's outcome; do not end it yourself.
   */
  run(): Promise<ActiveRun>;
  /** The SDK on the same store/server the pipeline runs on (registry, studies, runs). */
  readonly trainyard: Trainyard;
}

/**
 * Throw it from a step for a failure a retry cannot fix (bad data, a failed gate): the step
 * fails at once whatever its `retries` (BullMQ's UnrecoverableError).
 */
export class DoNotRetry extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DoNotRetry';
  }
}
