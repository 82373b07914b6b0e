import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTransport } from '../../src/client/transport.js';
import { runCli } from '../helpers/cli.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { killAgent, pidAlive, spawnAgent, until, type AgentProcess } from '../helpers/agents.js';

interface RunView {
  run: { run_id: string; status: string };
  steps: { step: string; status: string; attempt: number }[];
}

// Real server process, real agent processes (the built CLI), real commands, both stores.
for (const dialect of DIALECTS) {
  describe(`pipeline steps on agents (${dialect})`, () => {
    let t: TestDatabase;
    let server: ServerProcess;
    let http: HttpTransport;
    let dir: string;
    const agents: AgentProcess[] = [];
    beforeAll(async () => {
      t = await createTestDatabase(dialect);
      dir = mkdtempSync(join(tmpdir(), 'ty-agents-'));
      server = await spawnServer(['--home', t.home, '--db', t.url]);
      http = new HttpTransport(server.url);
    });
    afterAll(async () => {
      for (const a of agents) await killAgent(a);
      await http?.close();
      server?.child.kill('SIGKILL');
      await server?.exited;
      await t?.drop();
    });
    const agent = async (name: string, ...args: string[]) => {
      const a = await spawnAgent(server.url, ['--name', name, ...args]);
      agents.push(a);
      return a;
    };
    const view = (id: string) => http.call<RunView>('GET', `/api/v1/pipelines/runs/${id}`);
    const finished = async (id: string) => {
      let v!: RunView;
      await until(`run ${id} to finish`, async () => ['succeeded', 'failed', 'cancelled'].includes((v = await view(id)).run.status), 60_000);
      return v;
    };
    const detach = async (file: string) => {
      const res = await runCli(['--uri', server.url, 'pipeline', 'run', file, '--executor', 'agents', '--detach']);
      expect(res.code, res.stderr).toBe(0);
      return res.stdout.trim().split('\n').pop()!;
    };

    it('runs a pipeline across two agents: `pipeline run --executor agents` succeeds, both agents work', async () => {
      const a1 = await agent(`two-a-${dialect}`, '--slots', '2');
      const a2 = await agent(`two-b-${dialect}`, '--slots', '2');
      const listed = await runCli(['--uri', server.url, 'agents', '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      const names = (JSON.parse(listed.stdout) as { agents: { name: string; alive: boolean; slots: number }[] }).agents.filter((x) => x.alive).map((x) => `${x.name}/${x.slots}`);
      expect(names).toEqual(expect.arrayContaining([`two-a-${dialect}/2`, `two-b-${dialect}/2`]));
      const file = join(dir, 'fan.yaml');
      writeFileSync(
        file,
        `name: fan
steps:
  make:
    command: echo 21 > n.txt
    outputs: { n: { type: value, path: n.txt } }
${[1, 2, 3, 4].map((i) => `  w${i}:\n    command: sleep 0.5 && echo $(( {{inputs.n}} * 2 )) > out.txt && echo on-$TRAINYARD_AGENT\n    inputs: { n: steps.make.outputs.n }\n    outputs: { v: { type: value, path: out.txt } }\n`).join('')}`,
      );
      const res = await runCli(['--uri', server.url, 'pipeline', 'run', file, '--executor', 'agents', '--json']);
      expect(res.code, res.stderr + res.stdout).toBe(0);
      const out = JSON.parse(res.stdout) as RunView;
      expect(out.run.status).toBe('succeeded');
      const ran = new Set<string>();
      for (const s of ['w1', 'w2', 'w3', 'w4']) {
        const logs = await http.call<{ lines: string[] }>('GET', `/api/v1/pipelines/runs/${out.run.run_id}/logs`, { step: s });
        const on = logs.lines.find((l) => l.startsWith('on-'));
        expect(on, logs.lines.join('\n')).toBeDefined();
        ran.add(on!);
      }
      // Four half-second steps, two agents with two slots each: both agents take a share.
      expect(ran).toEqual(new Set([`on-two-a-${dialect}`, `on-two-b-${dialect}`]));
      await killAgent(a1);
      await killAgent(a2);
    });

    it('kill -9 of an agent mid-step: the lease expires, another agent finishes it, it completes once', async () => {
      const log = join(dir, 'kill.log');
      const file = join(dir, 'kill.yaml');
      writeFileSync(file, `name: kill-agent\nsteps:\n  slow:\n    command: echo start-$TRAINYARD_AGENT >> ${log}; sleep 3; echo done-$TRAINYARD_AGENT >> ${log}\n  after:\n    command: echo after >> ${log}\n    after: [slow]\n`);
      const doomed = await agent(`doomed-${dialect}`, '--lease-ms', '2000');
      const t0 = Date.now();
      const runId = await detach(file);
      await until('the step to start on the doomed agent', () => readFileSync(log, { encoding: 'utf8', flag: 'a+' }).includes(`start-doomed-${dialect}`));
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      await agent(`rescuer-${dialect}`, '--lease-ms', '2000');
      const v = await finished(runId);
      expect(v.run.status).toBe('succeeded');
      // The killed agents of the test before were mid long-poll: their claims must not take this step.
      expect(Date.now() - t0).toBeLessThan(15_000);
      // Long enough for the dead agent's step to have finished had it survived.
      await new Promise((r) => setTimeout(r, 3500));
      const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      expect(lines.filter((l) => l.startsWith('done-'))).toEqual([`done-rescuer-${dialect}`]);
      expect(lines.filter((l) => l === 'after')).toHaveLength(1);
      const logs = await http.call<{ lines: string[] }>('GET', `/api/v1/pipelines/runs/${runId}/logs`, { step: 'slow' });
      expect(logs.lines.some((l) => l.includes(`re-queued after a lost agent; now on agent rescuer-${dialect}`)), logs.lines.join('\n')).toBe(true);
    });

    it('cancel reaches a step on an agent: its process tree dies, the run is cancelled', async () => {
      await agent(`cancel-${dialect}`);
      const pidFile = join(dir, `bg-${dialect}.pid`);
      const file = join(dir, 'cancel.yaml');
      writeFileSync(file, `name: cancel-agent\nsteps:\n  long:\n    command: sleep 60 & echo $! > ${pidFile}; sleep 60\n`);
      const runId = await detach(file);
      await until('the background child', () => readFileSync(pidFile, { encoding: 'utf8', flag: 'a+' }).trim() !== '');
      const bg = Number(readFileSync(pidFile, 'utf8'));
      expect(pidAlive(bg)).toBe(true);
      const res = await runCli(['--uri', server.url, 'pipeline', 'cancel', runId]);
      expect(res.code, res.stderr).toBe(0);
      const v = await finished(runId);
      expect(v.run.status).toBe('cancelled');
      expect(v.steps.find((s) => s.step === 'long')!.status).toBe('cancelled');
      await until('the step process tree to die', () => !pidAlive(bg), 5000);
    });

    it("a step's timeout reaches it on its agent: the attempt fails as timed out and its tree dies", async () => {
      await agent(`timeout-${dialect}`);
      const pidFile = join(dir, `timeout-${dialect}.pid`);
      const file = join(dir, 'timeout.yaml');
      writeFileSync(file, `name: timeout-agent\nsteps:\n  hang:\n    command: sleep 60 & echo $! > ${pidFile}; sleep 60\n    timeout: 1500ms\n`);
      const runId = await detach(file);
      await until('the background child', () => readFileSync(pidFile, { encoding: 'utf8', flag: 'a+' }).trim() !== '');
      const bg = Number(readFileSync(pidFile, 'utf8'));
      const v = await finished(runId);
      expect(v.run.status).toBe('failed');
      const res = await http.call<{ steps: { step: string; status: string; error?: string }[] }>('GET', `/api/v1/pipelines/runs/${runId}`);
      expect(res.steps.find((s) => s.step === 'hang')).toMatchObject({ status: 'failed', error: expect.stringMatching(/timed out after 1500 ms/) });
      await until('the step process tree to die', () => !pidAlive(bg), 5000);
    });

    it('SIGTERM drains: the running step finishes and reports, then the agent exits 0', async () => {
      const a = await agent(`drain-${dialect}`);
      const log = join(dir, `drain-${dialect}.log`);
      const file = join(dir, 'drain.yaml');
      writeFileSync(file, `name: drain\nsteps:\n  s:\n    command: echo start >> ${log}; sleep 1.5; echo end >> ${log}\n`);
      const runId = await detach(file);
      await until('the step to start', () => readFileSync(log, { encoding: 'utf8', flag: 'a+' }).includes('start'));
      a.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      expect((await finished(runId)).run.status).toBe('succeeded');
      expect(a.output()).toMatch(/no new tasks/);
    });
  });
}
