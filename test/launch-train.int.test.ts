import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/client/connect.js';
import { EXAMPLE, finalLoss, jobDir, runLaunch, TORCH_PYTHON } from './helpers/launch.js';
import { readFileSync } from 'node:fs';

const home = mkdtempSync(join(tmpdir(), 'ty-launch-train-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('trainyard launch: 2 workers train', () => {
  it('gives every rank torchrun\'s environment on a free port even with 29500 taken, and the loss falls on the run', async () => {
    // The default master port is taken (when nothing else holds it already): the job still runs.
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.once('error', () => r()).listen(29500, '127.0.0.1', () => r()));
    const envDump = join(home, 'dump_env.py');
    writeFileSync(
      envDump,
      `import json, os, runpy, sys\nkeys = ${JSON.stringify(['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'GROUP_WORLD_SIZE', 'ROLE_RANK', 'ROLE_WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'TORCHELASTIC_RESTART_COUNT', 'TORCHELASTIC_MAX_RESTARTS', 'TORCHELASTIC_RUN_ID', 'OMP_NUM_THREADS', 'TRAINYARD_JOB_ID', 'TRAINYARD_RUN_ID', 'TRAINYARD_CHECKPOINT_DIR', 'TRAINYARD_TRACKING_URI'])}\nprint("ENV " + json.dumps({k: os.environ.get(k) for k in keys}), flush=True)\nsys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name="__main__")\n`,
    );
    const r = await runLaunch(['launch', '--nproc-per-node', '2', '--nnodes', '1:3', '--max-restarts', '3', '--python', TORCH_PYTHON, '--experiment', 'mnist-ddp', '--job-id', 'train-1', envDump, EXAMPLE, '--epochs', '3'], home);
    blocker.close();
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('job train-1 succeeded after 1 attempt(s), 0 restart(s)');
    const envs = [0, 1].map((rank) => JSON.parse(/ENV (.*)/.exec(readFileSync(join(jobDir(home, 'train-1'), 'attempt-0', `rank-${rank}.stdout.log`), 'utf8'))![1]!));
    expect(envs.map((e) => [e.RANK, e.LOCAL_RANK, e.ROLE_RANK])).toEqual([['0', '0', '0'], ['1', '1', '1']]);
    for (const e of envs) {
      expect(e).toMatchObject({ WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '0', GROUP_WORLD_SIZE: '1', ROLE_WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', TORCHELASTIC_RESTART_COUNT: '0', TORCHELASTIC_MAX_RESTARTS: '3', TORCHELASTIC_RUN_ID: 'train-1', OMP_NUM_THREADS: '1', TRAINYARD_JOB_ID: 'train-1' });
      expect(e.MASTER_PORT).not.toBe('29500');
      expect(e.TRAINYARD_CHECKPOINT_DIR).toBe(join(jobDir(home, 'train-1'), 'checkpoints'));
      expect(e.TRAINYARD_RUN_ID).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(envs[0].MASTER_PORT).toBe(envs[1].MASTER_PORT);

    const c = await connect({ home });
    try {
      const { job } = await c.call('GET', '/api/v1/jobs/train-1');
      expect(job.state).toBe('succeeded');
      expect(job.events.filter((e: { kind: string }) => e.kind === 'transition').map((e: { state: string }) => e.state)).toEqual(['pending', 'running', 'succeeded']);
      expect(job.checkpoint.step).toBe(96);
      const { run } = await c.call('GET', '/api/2.0/mlflow/runs/get', { run_id: job.run_id });
      expect(run.info.status).toBe('FINISHED');
      const tags = Object.fromEntries(run.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
      expect(tags['trainyard.checkpoint.step']).toBe('96');
      expect(tags['trainyard.checkpoint.sha256']).toBe(job.checkpoint.sha256);
      const { metrics } = await c.call('GET', '/api/2.0/mlflow/metrics/get-history', { run_id: job.run_id, metric_key: 'loss' });
      const losses = metrics.sort((a: { step: number }, b: { step: number }) => a.step - b.step).map((m: { value: number }) => m.value);
      expect(losses.length).toBeGreaterThanOrEqual(9);
      expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 2);
      expect(finalLoss(home, 'train-1')).toBeLessThan(losses[0]);
      // Per-rank logs of the attempt are artifacts of the run, never interleaved.
      const files = await c.artifacts.list(run.info.artifact_uri, 'logs/attempt-0');
      expect(files.map((f) => f.path).sort()).toEqual(['logs/attempt-0/rank-0.stderr.log', 'logs/attempt-0/rank-0.stdout.log', 'logs/attempt-0/rank-1.stderr.log', 'logs/attempt-0/rank-1.stdout.log']);
    } finally {
      await c.close();
    }
    // The same through the CLI: jobs list/show/logs/cancel.
    const list = await runLaunch(['jobs', 'list', '--json'], home);
    expect(JSON.parse(list.output).map((j: { job_id: string; state: string }) => [j.job_id, j.state])).toEqual([['train-1', 'succeeded']]);
    const shown = JSON.parse((await runLaunch(['jobs', 'show', 'train-1', '--json'], home)).output);
    expect(shown.attempts).toBe(1);
    const logs = await runLaunch(['jobs', 'logs', 'train-1', '--rank', '1'], home);
    expect(logs.code).toBe(0);
    expect(logs.output).toMatch(/^ENV \{"RANK": "1"/);
    const cancel = await runLaunch(['jobs', 'cancel', 'train-1'], home);
    expect(cancel.code).toBe(1);
    expect(cancel.output.trim()).toBe("trainyard: error: Job 'train-1' is already succeeded");
  }, 120_000);
});
