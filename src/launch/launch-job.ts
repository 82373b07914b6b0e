/**
 * @module Launching a job on this machine, the one entry the CLI and the SDK share: validate,
 * preflight (before anything is stored or started), claim the job id, open (or reopen, for a
 * resumed id) its tracking run, then supervise it to the end.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { AppError, InvalidParameter } from '../core/errors.js';
import { ApiRecorder, type ApiCaller } from './api-recorder.js';
import { validateSpec, type LaunchInput } from './job-spec.js';
import type { Job } from './jobs-service.js';
import { preflight } from './preflight.js';
import { newNonce, Supervisor, type JobOutcome } from './supervisor.js';

const MLFLOW = '/api/2.0/mlflow';

export interface LaunchOptions {
  /** Where job folders live (logs per attempt, checkpoints): `<home>/launch/<job_id>`. */
  home: string;
  /** Passed to workers as TRAINYARD_TRACKING_URI (and MLflow's variables for an http server). */
  trackingUri?: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Called once the job is claimed and its run exists. */
  onStart?: (info: { jobId: string; runId: string; jobDir: string; resumed: boolean }) => void;
}

export interface LaunchResult extends JobOutcome {
  jobId: string;
  runId: string;
  jobDir: string;
}

async function experimentId(api: ApiCaller, name: string | undefined): Promise<string> {
  if (!name) return '0';
  try {
    return (await api.call<{ experiment: { experiment_id: string } }>('GET', `${MLFLOW}/experiments/get-by-name`, { experiment_name: name })).experiment.experiment_id;
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== 'RESOURCE_DOES_NOT_EXIST') throw e;
  }
  try {
    return (await api.call<{ experiment_id: string }>('POST', `${MLFLOW}/experiments/create`, { name })).experiment_id;
  } catch (e) {
    if (e instanceof AppError && e.code === 'RESOURCE_ALREADY_EXISTS') return experimentId(api, name);
    throw e;
  }
}

async function checkpointOfRun(api: ApiCaller, runId: string): Promise<string> {
  const { run } = await api.call<{ run: { data: { tags?: { key: string; value: string }[] } } }>('GET', `${MLFLOW}/runs/get`, { run_id: runId });
  const path = run.data.tags?.find((t) => t.key === 'trainyard.checkpoint.path')?.value;
  if (!path) throw new InvalidParameter(`--resume-from ${runId}: that run recorded no checkpoint (tag trainyard.checkpoint.path)`);
  return path;
}

export async function launchJob(api: ApiCaller, input: LaunchInput, opts: LaunchOptions): Promise<LaunchResult> {
  const spec = validateSpec(input);
  spec.cwd = resolve(spec.cwd ?? process.cwd());
  await preflight(spec);
  const resumeFrom = spec.resumeFrom ? await checkpointOfRun(api, spec.resumeFrom) : undefined;
  const sup = { nonce: newNonce(), pid: process.pid, host: hostname() };
  const { job, resumed } = await api.call<{ job: Job; resumed: boolean }>('POST', '/api/v1/jobs', { job_id: spec.jobId, spec, supervisor: sup });
  const jobId = job.job_id;
  const jobDir = join(opts.home, 'launch', jobId);
  let runId = job.run_id;
  let artifactUri: string;
  if (runId) {
    const { run } = await api.call<{ run: { info: { artifact_uri: string } } }>('GET', `${MLFLOW}/runs/get`, { run_id: runId });
    artifactUri = run.info.artifact_uri;
    await api.call('POST', `${MLFLOW}/runs/update`, { run_id: runId, status: 'RUNNING' });
  } else {
    const exp = await experimentId(api, spec.experiment);
    const { run } = await api.call<{ run: { info: { run_id: string; artifact_uri: string } } }>('POST', `${MLFLOW}/runs/create`, {
      experiment_id: exp,
      run_name: jobId,
      start_time: Date.now(),
      tags: [
        { key: 'trainyard.launch.job_id', value: jobId },
        { key: 'mlflow.source.name', value: spec.command[0]! },
        { key: 'trainyard.launch.command', value: spec.command.join(' ') },
      ],
    });
    runId = run.info.run_id;
    artifactUri = run.info.artifact_uri;
    await api.call('POST', `/api/v1/jobs/${encodeURIComponent(jobId)}/run`, { nonce: sup.nonce, run_id: runId, experiment_id: exp });
    await api.call('POST', `${MLFLOW}/runs/log-batch`, {
      run_id: runId,
      params: [
        { key: 'launch.nproc_per_node', value: String(spec.nprocPerNode) },
        { key: 'launch.nnodes', value: `${spec.nnodes.min}:${spec.nnodes.max}` },
        { key: 'launch.max_restarts', value: String(spec.maxRestarts) },
        { key: 'launch.python', value: spec.python },
      ],
    });
  }
  const recorder = new ApiRecorder(api, jobId, sup.nonce, runId);
  recorder.artifactUri = artifactUri;
  const supervisor = new Supervisor(spec, { jobId, nonce: sup.nonce, jobDir, runId, trackingUri: opts.trackingUri, resumeFrom, firstAttempt: job.attempts, recorder, signal: opts.signal, log: opts.log });
  opts.onStart?.({ jobId, runId, jobDir, resumed });
  const outcome = await supervisor.run();
  return { ...outcome, jobId, runId, jobDir };
}
