/**
 * A pipeline step that launches distributed training: a YAML `launch:` block (and the TS
 * builder `launchTraining`) runs a 2-process gloo DDP job on Debian's torch, supervised by the
 * launch domain, and outputs the job id and its run id to the steps after it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPipelineFile } from '../../src/pipelines/index.js';
import { CLI } from '../helpers/server-process.js';
import { EXAMPLE, TORCH_PYTHON } from '../helpers/launch.js';
import { PIPELINES_MODULE } from '../helpers/pipelines.js';

const root = mkdtempSync(join(tmpdir(), 'ty-launch-step-'));
const project = join(root, 'project');
const home = join(root, 'home');
mkdirSync(project);
copyFileSync(EXAMPLE, join(project, 'train.py'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '', TRAINYARD_HOME: home } });

interface Res {
  run: { run_id: string; status: string };
  steps: { step: string; status: string; attempt: number; error: string | null; outputs: Record<string, any> | null }[];
}

describe('a pipeline step that launches distributed training', () => {
  it('YAML launch: a 2-process gloo DDP job; its job id and run id flow to the next step', () => {
    writeFileSync(
      join(project, 'ddp.yaml'),
      `name: ddp-pipe
params: { epochs: 2, python: ${TORCH_PYTHON} }
steps:
  ddp:
    launch:
      script: train.py
      args: [--epochs, "{{params.epochs}}", --samples, 256]
      nprocPerNode: 2
      maxRestarts: 0
      python: "{{params.python}}"
  report:
    command: echo "job={{inputs.job}} run={{inputs.run}}" > {{outputs.summary}}
    inputs: { job: steps.ddp.outputs.jobId, run: steps.ddp.outputs.runId }
    outputs: { summary: { type: value, path: summary.txt } }
`,
    );
    const r = cli('pipeline', 'run', join(project, 'ddp.yaml'), '--json');
    const res = JSON.parse(r.stdout || '{}') as Res;
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(res.run.status).toBe('succeeded');
    const ddp = res.steps.find((s) => s.step === 'ddp')!.outputs!;
    expect(ddp).toMatchObject({ jobId: `${res.run.run_id}-ddp`, state: 'succeeded', attempts: 1, restarts: 0 });
    expect(ddp.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(res.steps.find((s) => s.step === 'report')!.outputs!.summary).toBe(`job=${ddp.jobId} run=${ddp.runId}`);
    // Two real ranks trained, each with its own log, beside the step's attempts.
    const jobDir = join(home, 'pipelines', res.run.run_id, 'steps', 'ddp', 'launch', ddp.jobId);
    const attempt = join(jobDir, 'attempt-0');
    expect(existsSync(join(attempt, 'rank-1.stdout.log'))).toBe(true);
    expect(readFileSync(join(attempt, 'rank-0.stdout.log'), 'utf8')).toMatch(/final_loss=[0-9.]+/);
    // The launch domain knows the job; its run leads back to the pipeline run and step.
    const job = JSON.parse(cli('jobs', 'show', ddp.jobId, '--json').stdout);
    expect(job).toMatchObject({ job_id: ddp.jobId, state: 'succeeded', run_id: ddp.runId });
    const run = JSON.parse(cli('runs', 'show', ddp.runId, '--json').stdout);
    const tags = Object.fromEntries((run.data?.tags ?? run.run?.data?.tags ?? []).map((t: { key: string; value: string }) => [t.key, t.value]));
    expect(tags['trainyard.pipeline.run']).toBe(res.run.run_id);
    expect(tags['trainyard.pipeline.step']).toBe('ddp');
  }, 240_000);

  it('a missing script fails the step at once, naming it, without retries or restarts', () => {
    writeFileSync(join(project, 'bad.yaml'), `name: ddp-bad\nsteps:\n  ddp:\n    launch: { script: nope.py, nprocPerNode: 2, python: ${TORCH_PYTHON} }\n    retries: 2\n`);
    const r = cli('pipeline', 'run', join(project, 'bad.yaml'), '--json');
    expect(r.status).toBe(1);
    const s = (JSON.parse(r.stdout) as Res).steps[0]!;
    expect(s.status).toBe('failed');
    expect(s.attempt).toBe(1);
    expect(s.error).toMatch(/nope\.py/);
  }, 120_000);

  it('refuses a bad launch block before anything runs, naming the step and field', () => {
    writeFileSync(join(project, 'bad2.yaml'), 'name: ddp-bad2\nsteps:\n  ddp:\n    launch: { script: train.py, args: ["--lr={{params.lr}}"] }\n');
    const r = cli('pipeline', 'run', join(project, 'bad2.yaml'));
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^trainyard: error: step 'ddp', field 'launch\.args\[0\]': a placeholder must be the whole value/);
    writeFileSync(join(project, 'bad3.yaml'), 'name: ddp-bad3\nsteps:\n  ddp:\n    launch: { script: train.py, nprocs: 2 }\n');
    expect(cli('pipeline', 'run', join(project, 'bad3.yaml')).stderr).toMatch(/step 'ddp', field 'launch\.nprocs': unknown field 'nprocs'/);
  });

  it('the TypeScript builder compiles to the same kind of step, params flowing into the command', async () => {
    const file = join(project, 'ddp.ts');
    writeFileSync(file, `import { pipeline, launchTraining } from ${JSON.stringify(PIPELINES_MODULE)};
const p = pipeline('ddp-ts', { params: { epochs: 3 } });
p.step('ddp', launchTraining({ command: ['train.py', '--epochs', p.params.epochs], nprocPerNode: 2, python: '${TORCH_PYTHON}' }));
export default p;
`);
    const { spec } = await loadPipelineFile(file);
    const s = spec.steps[0]!;
    expect(s).toMatchObject({ kind: 'function', uses: 'trainyard.launchTraining', cache: false });
    expect(Object.keys(s.outputs).sort()).toEqual(['attempts', 'jobId', 'restarts', 'runId', 'state']);
    expect(s.inputs.command).toMatchObject({ from: 'nested', refs: [{ path: [2], input: { from: 'param', param: 'epochs' } }] });
  });
});
