/**
 * @module The Executor contract: how the scheduler hands one attempt of one step to something
 * that runs it (local child processes, agents, Kubernetes) and hears back. An executor runs
 * tasks; it never decides what runs next, never touches the pipeline tables, and holds no state
 * that must survive a restart except what it reports in `started` (so `reclaim` can find it).
 *
 * Lifecycle of one task: the scheduler calls `start(task, events)` once per attempt and gets a
 * handle. The executor may queue it (its own concurrency cap); when it really starts it calls
 * `events.started(...)` once; it streams `events.log(...)` lines; it resolves `handle.done`
 * exactly once with the outcome. `handle.cancel()` stops it (the whole process tree) and `done`
 * resolves `{ status: 'cancelled' }` (or the outcome it had already reached). Timeouts are the
 * scheduler's: it calls `cancel('timeout')` and records a timed-out attempt.
 */
import type { Artifact, JsonValue } from '../definition/refs.js';
import type { OutputSpec, StepKubernetes } from '../definition/spec.js';

/** A resolved input handed to a task: a JSON value, or an artifact (list of them for a fan-in). */
export type TaskInput = JsonValue | Artifact | TaskInput[];

export interface StepTask {
  /** Unique per attempt: `<pipelineRunId>/<step>[<item>]#<attempt>`. */
  id: string;
  pipelineRunId: string;
  pipeline: string;
  /** The run's definition hash (recorded on what the step produces, e.g. a model version). */
  definitionHash?: string;
  step: string;
  itemIndex?: number;
  attempt: number;
  /**
   * `command`: run `command.shell` with `/bin/sh -c` in `workdir` (placeholders already
   * substituted). `function`: import `fn.module` (the pipeline's TypeScript file, through tsx),
   * take its default-exported pipeline, find step `fn.step`, call its `run` (see
   * runtime/run-function-step.ts, which an agent calls too).
   */
  kind: 'command' | 'function';
  command?: { shell: string };
  /** `builtin`: a built-in step's id (YAML `launch:`), run without importing `module`. */
  fn?: { module: string; step: string; builtin?: string };
  inputs: Record<string, TaskInput>;
  /** Inside a map: the item. */
  item?: JsonValue;
  params: Record<string, JsonValue>;
  /** Declared outputs; for command steps each has a `path` relative to `workdir`. */
  outputs: Record<string, OutputSpec>;
  /** Added to the executor's own environment (TRAINYARD_URI and TRAINYARD_PIPELINE_* included). */
  env: Record<string, string>;
  /** An empty folder for this attempt on the scheduler's machine; a remote executor makes its own. */
  workdir: string;
  /** Where the project's files are (commands run there when set; TypeScript modules resolve from it). */
  cwd: string;
  timeoutMs?: number;
  /** Image, resources... for the Kubernetes executor (the step's `kubernetes` block). */
  kubernetes?: StepKubernetes;
  /** Labels the agent that runs it must have (the step's `agent.labels`; `--executor agents` only). */
  agentLabels?: Record<string, string>;
}

/** Where a started task runs, recorded so a restarted server can find and stop an orphan. */
export interface StartedInfo {
  /** Process group leader (local). */
  pid?: number;
  /** `/proc/<pid>/stat` start time, so a recycled pid is never killed by mistake. */
  pidStartTime?: string;
  /** Agent id, pod name, ... */
  host?: string;
}

export interface TaskEvents {
  started(info: StartedInfo): void;
  /** One line (without the newline). Executors cap what they forward; the log writer caps what it keeps. */
  log(stream: 'stdout' | 'stderr' | 'system', line: string): void;
}

export type OutputValue = JsonValue | Artifact;

export type StepOutcome =
  | { status: 'succeeded'; outputs: Record<string, OutputValue>; /** The tracking run a TypeScript step logged to. */ trackingRunId?: string }
  | { status: 'failed'; error: string; /** false for DoNotRetry / a missing declared output / a bad exit the step marked final. */ retryable: boolean; exitCode?: number; trackingRunId?: string }
  | { status: 'cancelled'; reason: string };

export interface TaskHandle {
  readonly done: Promise<StepOutcome>;
  cancel(reason: string): Promise<void>;
}

/** A task a previous server process started and never saw finish. */
export interface OrphanTask {
  taskId: string;
  info: StartedInfo;
}

export interface Executor {
  readonly name: string;
  start(task: StepTask, events: TaskEvents): TaskHandle;
  /**
   * Called once at scheduler start with tasks left RUNNING by a dead server: stop each one
   * (kill the process group if it is still the same process; tell the agent to drop it; delete
   * the Job) so it cannot complete after the scheduler re-runs it.
   */
  reclaim(orphans: OrphanTask[]): Promise<void>;
  close(): Promise<void>;
}

/** What an executor factory gets from the scheduler's host. */
export interface ExecutorContext {
  /** The server's URL when there is one (agents and pods report to it). */
  serverUrl?: string;
  /** Run a function task in this process (the local executor's in-process path). */
  runFunctionTask(task: StepTask, events: TaskEvents, signal: AbortSignal): Promise<StepOutcome>;
  /** Optional dependencies a plug-in executor needs (the work queue, the artifact store). */
  services: Record<string, unknown>;
}

export type ExecutorFactory = (ctx: ExecutorContext, options: Record<string, unknown>) => Executor | Promise<Executor>;
