import { describe, expect, it } from 'vitest';
import { Trainyard } from '../src/client/index.js';
import { DIALECTS } from './helpers/databases.js';
import { EXAMPLE, TORCH_PYTHON } from './helpers/launch.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useServer } from './helpers/use-server.js';

for (const dialect of DIALECTS) {
  describe(`jobs over HTTP and ty.launch (${dialect})`, () => {
    const server = useServer(dialect);

    it('ty.launch runs a job the API lists, shows and cancels; its logs are on the run', async () => {
      const ty = new Trainyard({ uri: server().url, home: mkdtempSync(join(tmpdir(), 'ty-launch-api-')) });
      const launched = ty.launch({ command: [EXAMPLE, '--epochs', '50', '--step-sleep-ms', '20'], nprocPerNode: 2, nnodes: { min: 1, max: 1 }, maxRestarts: 1, python: TORCH_PYTHON, experiment: 'mnist-ddp', jobId: `api-${dialect}`, graceSeconds: 10 });
      let job: any;
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        const r = await server().call('GET', `/api/v1/jobs/api-${dialect}`);
        job = r.body.job;
        if (r.status === 200 && job.state === 'running' && job.checkpoint) break;
        await new Promise((res) => setTimeout(res, 200));
      }
      expect(job.state).toBe('running');
      const list = await server().call('GET', '/api/v1/jobs', { state: 'running' });
      expect(list.body.jobs.map((j: { job_id: string }) => j.job_id)).toContain(`api-${dialect}`);
      // A second job with the same id is refused while this one runs.
      const dup = await server().call('POST', '/api/v1/jobs', { job_id: `api-${dialect}`, spec: { command: ['x.py'] }, supervisor: { nonce: 'n', pid: 1, host: 'h' } });
      expect(dup.status).toBe(400);
      expect(dup.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');

      const cancel = await server().call('POST', `/api/v1/jobs/api-${dialect}/cancel`);
      expect(cancel.status).toBe(200);
      const result = await launched;
      expect(result.state).toBe('cancelled');
      const shown = (await server().call('GET', `/api/v1/jobs/api-${dialect}`)).body.job;
      expect(shown.state).toBe('cancelled');
      expect(shown.events.map((e: { kind: string }) => e.kind)).toContain('cancel_requested');
      const logs = (await server().call('GET', `/api/v1/jobs/api-${dialect}/logs`)).body;
      expect(logs.run_id).toBe(result.runId);
      expect(logs.files.map((f: { artifact_path: string }) => f.artifact_path)).toContain('logs/attempt-0/rank-1.stderr.log');
      const run = (await server().mlflow('GET', '/runs/get', { run_id: result.runId })).body.run;
      expect(run.info.status).toBe('KILLED');
      const again = await server().call('POST', `/api/v1/jobs/api-${dialect}/cancel`);
      expect(again.status).toBe(400);
      expect(again.body.message).toContain('already cancelled');
      await ty.close();
    }, 120_000);

    it('refuses bad specs and unknown jobs with MLflow error JSON', async () => {
      const sup = { nonce: 'n', pid: 1, host: 'h' };
      const bad: [unknown, RegExp][] = [
        [{ command: ['t.py'], nprocPerNode: 0 }, /--nproc-per-node must be >= 1/],
        [{ command: ['t.py'], nnodes: '3:1' }, /MIN <= MAX/],
        [{ command: ['t.py'], maxRestarts: -2 }, /--max-restarts must be >= 0/],
        [{ command: [] }, /command must name the training script/],
      ];
      for (const [spec, msg] of bad) {
        const r = await server().call('POST', '/api/v1/jobs', { spec, supervisor: sup });
        expect(r.status).toBe(400);
        expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(r.body.message).toMatch(msg);
      }
      expect((await server().call('GET', '/api/v1/jobs/nope')).status).toBe(404);
      expect((await server().call('GET', '/api/v1/jobs', { state: 'sleeping' })).status).toBe(400);
    });
  });
}
