/**
 * @module `launchTraining`: a pipeline step that launches and supervises a distributed PyTorch
 * job (what `ty.launch` / `trainyard launch` do, through the launch domain's index), and outputs
 * the job id and its tracking run id. The job id defaults to `<pipeline run>-<step>`, and the
 * job's folder sits beside the step's attempts, so a retried attempt (or a resumed pipeline run)
 * relaunches the same job, which resumes from its latest checkpoint.
 */
import { dirname, resolve } from 'node:path';
import type { Connection } from '../../../client/connect.js';
import type { StepContext } from '../../definition/step-context.js';
import type { Ref } from '../../definition/refs.js';
import { launchJob, type LaunchInput } from '../../../launch/index.js';

export interface LaunchTrainingInputs {
  /** The script and its arguments (numbers are passed as text); an argument may be `p.params.x` or an earlier step's output. */
  command: (string | number | Ref<string> | Ref<number>)[];
  nprocPerNode?: number;
  nnodes?: number | string;
  maxRestarts?: number;
  /** The interpreter with torch (e.g. /usr/bin/python3). */
  python?: string;
  /** Default: the pipeline's name. */
  experiment?: string;
  /** Default: `<pipeline run>-<step>[-<item>]`. */
  jobId?: string;
  env?: Record<string, string>;
  graceSeconds?: number;
  stallSeconds?: number;
  checkpointDir?: string;
  resumeFrom?: string;
  /** The folder the script runs in, relative to the pipeline file's (default: that folder). */
  cwd?: string;
}

export interface LaunchTrainingResult {
  jobId: string;
  runId: string;
  state: string;
  attempts: number;
  restarts: number;
}

export function defaultJobId(ctx: Pick<StepContext, 'pipelineRunId' | 'step' | 'itemIndex'>): string {
  return `${ctx.pipelineRunId}-${ctx.step}${ctx.itemIndex !== undefined ? `-${ctx.itemIndex}` : ''}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100);
}

export async function runLaunchTraining(inputs: LaunchTrainingInputs, ctx: StepContext): Promise<LaunchTrainingResult> {
  const conn: Connection = await ctx.trainyard.connection();
  const { cwd, command, ...rest } = inputs;
  const input: LaunchInput = {
    ...rest,
    command: command.map(String),
    jobId: inputs.jobId ?? defaultJobId(ctx),
    experiment: inputs.experiment ?? ctx.pipeline,
    cwd: resolve(ctx.projectDir ?? process.cwd(), cwd ?? '.'),
  };
  // Tag the job's run with the pipeline run and step, so its lineage (and a version registered
  // from it) leads back here.
  let tagging: Promise<unknown> = Promise.resolve();
  const res = await launchJob(conn, input, {
    home: dirname(ctx.workdir),
    ...(conn.mode === 'remote' ? { trackingUri: conn.description } : {}),
    signal: ctx.signal,
    log: (line) => ctx.log.info(line),
    onStart: ({ jobId, runId, resumed }) => {
      ctx.log.info(`distributed job ${jobId}${resumed ? ' (resumed)' : ''}, run ${runId}`);
      tagging = conn.call('POST', '/api/2.0/mlflow/runs/log-batch', {
        run_id: runId,
        tags: [
          { key: 'trainyard.pipeline.run', value: ctx.pipelineRunId },
          { key: 'trainyard.pipeline.step', value: ctx.step },
        ],
      });
    },
  });
  await tagging;
  if (res.state !== 'succeeded') {
    const f = res.failure;
    const why = f ? `: rank ${f.rank} ${f.signal ? `killed by ${f.signal}` : `exited with code ${f.exitCode}`}${f.message ? ` (${f.message})` : ''}` : '';
    throw new Error(`distributed job ${res.jobId} ${res.state} after ${res.attempts} attempt${res.attempts === 1 ? '' : 's'}${why}`);
  }
  return { jobId: res.jobId, runId: res.runId, state: res.state, attempts: res.attempts, restarts: res.restarts };
}
