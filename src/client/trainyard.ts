import { AppError } from '../core/errors.js';
import type { Experiment, Run, RunStatus } from '../tracking/entities.js';
import { ActiveRun } from './active-run.js';
import { captureRunContext, TAGS, type CaptureOptions } from './capture/run-context.js';
import { connect, type Connection, type ConnectOptions } from './connect.js';
import { trackOpenRun, untrackRun } from './exit-hooks.js';
import type { LogBufferOptions } from './log-buffer.js';
import { Models } from './models.js';
import { Studies } from './studies.js';
import { defaultHome } from '../core/config.js';
import { launchJob, type LaunchInput, type LaunchResult } from '../launch/index.js';
import { Pipelines } from './pipelines.js';

const API = '/api/2.0/mlflow';

export interface TrainyardOptions extends ConnectOptions {
  /** An open connection to use instead of connecting (pipeline steps get the host's own). */
  connection?: Connection;
  /** Batching and retry of logged metrics/params/tags. */
  buffer?: LogBufferOptions;
  /** Automatic capture at run start (git, entry point, environment, lockfiles); `false` turns all off. */
  capture?: CaptureOptions | false;
}

export interface RunOptions {
  /** Experiment name; created if missing. Default: the Default experiment. */
  experiment?: string;
  experimentId?: string;
  name?: string;
  tags?: Record<string, string>;
  /** Fix the seed `run.seed()` returns (to replay a run); else one is drawn. */
  seed?: number;
  /** Nest under a parent run (MLflow's `mlflow.parentRunId`). */
  parentRunId?: string;
  capture?: CaptureOptions | false;
}

/**
 * The TypeScript SDK. Talks to a server (`uri`, or `TRAINYARD_URI`) or, with neither, works
 * embedded on the local store under `./trainyard-data` with no server process.
 *
 * @example
 * const ty = new Trainyard();
 * await ty.run({ experiment: 'adult-income', name: 'lr' }, async (run) => {
 *   run.logParams({ lr: 0.01 });
 *   for (let step = 0; step < 100; step++) run.logMetric('loss', 1 / (step + 1), { step });
 * });
 */
export class Trainyard {
  private conn: Promise<Connection> | null = null;
  private modelsApi: Models | undefined;
  private studiesApi: Studies | undefined;
  private pipelinesApi: Pipelines | undefined;

  constructor(private readonly options: TrainyardOptions = {}) {}

  /** The connection, opened on first use. */
  connection(): Promise<Connection> {
    if (!this.conn) this.conn = this.options.connection ? Promise.resolve(this.options.connection) : connect(this.options);
    return this.conn;
  }

  /** The model registry: register, promote and load model versions. */
  get models(): Models {
    return (this.modelsApi ??= new Models(() => this.connection()));
  }

  /** Hyperparameter tuning: create or load studies and run trials (ask/tell, optimize). */
  get studies(): Studies {
    return (this.studiesApi ??= new Studies(() => this.connection()));
  }

  /** Pipelines: run a pipeline (object or file) and follow, list, cancel and resume runs. */
  get pipelines(): Pipelines {
    return (this.pipelinesApi ??= new Pipelines(() => this.connection()));
  }

  /** The experiment's id, creating the experiment if it does not exist. */
  async experimentId(name: string): Promise<string> {
    const c = await this.connection();
    try {
      const { experiment } = await c.call<{ experiment: Experiment }>('GET', `${API}/experiments/get-by-name`, { experiment_name: name });
      if (experiment.lifecycle_stage === 'deleted') {
        throw new AppError('INVALID_PARAMETER_VALUE', `Experiment '${name}' is deleted; restore it or use another name.`);
      }
      return experiment.experiment_id;
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'RESOURCE_DOES_NOT_EXIST') throw e;
    }
    try {
      return (await c.call<{ experiment_id: string }>('POST', `${API}/experiments/create`, { name })).experiment_id;
    } catch (e) {
      // Another process created it between our two calls.
      if (e instanceof AppError && e.code === 'RESOURCE_ALREADY_EXISTS') return this.experimentId(name);
      throw e;
    }
  }

  /** Starts a run; call `run.end()` when done (or use `run()` which does it for you). */
  async startRun(opts: RunOptions = {}): Promise<ActiveRun> {
    const c = await this.connection();
    const experimentId = opts.experimentId ?? (opts.experiment ? await this.experimentId(opts.experiment) : '0');
    // TRAINYARD_SEED replays a run: `trainyard runs reproduce` prints it in the command to run.
    const envSeed = process.env.TRAINYARD_SEED;
    const seed = opts.seed ?? (envSeed && /^\d+$/.test(envSeed) ? Number(envSeed) : undefined);
    const captureOpts = opts.capture ?? this.options.capture;
    const context = captureOpts === false ? { tags: [] } : captureRunContext(captureOpts);
    const tags = [...context.tags, ...Object.entries(opts.tags ?? {}).map(([key, value]) => ({ key, value }))];
    if (opts.parentRunId) tags.push({ key: 'mlflow.parentRunId', value: opts.parentRunId });
    if (seed !== undefined) tags.push({ key: TAGS.seed, value: String(seed) });
    const user = process.env.USER ?? process.env.USERNAME;
    if (user) tags.push({ key: TAGS.user, value: user });
    const { run } = await c.call<{ run: Run }>('POST', `${API}/runs/create`, {
      experiment_id: experimentId,
      run_name: opts.name,
      user_id: user,
      start_time: Date.now(),
      tags,
    });
    const active = new ActiveRun(c, run.info, seed, this.options.buffer);
    const git = 'git' in context ? context.git : undefined;
    if (git?.dirty && git.diff && captureOpts !== false && captureOpts?.gitDiff !== false) await active.logGitDiff(git.diff);
    trackOpenRun(active);
    return active;
  }

  /**
   * Runs `fn` inside a run: FINISHED when it returns, FAILED with the error recorded (tag
   * `trainyard.error`) when it throws; the error is rethrown.
   */
  async run<T>(opts: RunOptions, fn: (run: ActiveRun) => Promise<T>): Promise<T> {
    const run = await this.startRun(opts);
    try {
      const result = await fn(run);
      await run.end('FINISHED');
      return result;
    } catch (e) {
      if (!run.isEnded) {
        const err = e as Error;
        await run.setTag('trainyard.error', `${err?.stack ?? String(e)}`.slice(0, 8000)).catch(() => {});
        await run.end('FAILED').catch(() => {});
      }
      throw e;
    } finally {
      untrackRun(run);
    }
  }

  async getRun(runId: string): Promise<Run> {
    const c = await this.connection();
    return (await c.call<{ run: Run }>('GET', `${API}/runs/get`, { run_id: runId })).run;
  }

  /** Ends a run by id (e.g. one started elsewhere). */
  async setTerminated(runId: string, status: RunStatus = 'FINISHED'): Promise<void> {
    const c = await this.connection();
    await c.call('POST', `${API}/runs/update`, { run_id: runId, status, end_time: Date.now() });
  }

  /**
   * Launches a PyTorch job on this machine and supervises it to the end (the same as
   * `trainyard launch`): torchrun's worker environment, restarts from checkpoints, per-rank logs
   * and rank 0's metrics on the job's run. Resolves when the job has succeeded, failed or been
   * cancelled (abort `signal` to cancel).
   *
   * @example
   * const job = await ty.launch({ command: ['examples/pytorch-ddp/train.py', '--epochs', '5'], nprocPerNode: 2, nnodes: { min: 1, max: 1 }, maxRestarts: 3, python: '/usr/bin/python3', experiment: 'mnist-ddp' });
   * console.log(job.state, job.runId);
   */
  async launch(input: LaunchInput, opts: { signal?: AbortSignal; log?: (line: string) => void } = {}): Promise<LaunchResult> {
    const c = await this.connection();
    const home = this.options.home ?? defaultHome();
    return launchJob(c, input, { home, trackingUri: c.mode === 'remote' ? c.description : `file:${home}`, signal: opts.signal, log: opts.log });
  }

  /** Closes the connection (the embedded store's database and artifact store). */
  async close(): Promise<void> {
    if (this.conn) await (await this.conn).close();
    this.conn = null;
  }
}
