import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTransport } from '../../src/client/transport.js';
import { runCli } from '../helpers/cli.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { killAgent, spawnAgent, until, type AgentProcess } from '../helpers/agents.js';

interface RunView {
  run: { run_id: string; status: string };
  steps: { step: string; status: string }[];
}

/**
 * A step's `agent.labels` select the agent: two real agent processes with different `--labels`
 * each take only the steps they satisfy; a step no live agent can take stays queued (its log
 * says why) and runs once an agent with its labels connects. Both stores.
 */
for (const dialect of DIALECTS) {
  describe(`agent labels select steps (${dialect})`, () => {
    let t: TestDatabase;
    let server: ServerProcess;
    let http: HttpTransport;
    const agents: AgentProcess[] = [];
    beforeAll(async () => {
      t = await createTestDatabase(dialect);
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
    const logs = async (run: string, step: string) => (await http.call<{ lines: string[] }>('GET', `/api/v1/pipelines/runs/${run}/logs`, { step })).lines;

    it('runs each step on an agent with its labels; a step nobody can take waits queued, then runs when one connects', async () => {
      await agent(`a100-${dialect}`, '--slots', '2', '--labels', 'gpu=a100,zone=eu');
      await agent(`t4-${dialect}`, '--slots', '2', '--labels', 'gpu=t4');
      const dir = mkdtempSync(join(tmpdir(), 'ty-labels-'));
      const file = join(dir, 'labels.yaml');
      const step = (name: string, labels?: string) => `  ${name}:\n    command: echo on-$TRAINYARD_AGENT\n${labels ? `    agent: { labels: { ${labels} } }\n` : ''}`;
      writeFileSync(file, `name: labels\nsteps:\n${[
        step('big1', 'gpu: a100'), step('big2', 'gpu: a100'), step('big3', 'gpu: a100, zone: eu'),
        step('small1', 'gpu: t4'), step('small2', 'gpu: t4'), step('small3', 'gpu: t4'),
        step('any'), step('huge', 'gpu: h100'),
      ].join('')}`);
      const res = await runCli(['--uri', server.url, 'pipeline', 'run', file, '--executor', 'agents', '--detach']);
      expect(res.code, res.stderr).toBe(0);
      const runId = res.stdout.trim().split('\n').pop()!;
      const status = async () => (await http.call<RunView>('GET', `/api/v1/pipelines/runs/${runId}`)).steps;
      await until('every step an agent can take to succeed', async () => (await status()).filter((s) => s.status === 'succeeded').length === 7, 40_000);
      for (const s of ['big1', 'big2', 'big3']) expect(await logs(runId, s)).toContain(`on-a100-${dialect}`);
      for (const s of ['small1', 'small2', 'small3']) expect(await logs(runId, s)).toContain(`on-t4-${dialect}`);
      expect((await logs(runId, 'any')).some((l) => l.startsWith('on-'))).toBe(true);
      // The h100 step is not failed: queued, and its log says which labels nobody has.
      await new Promise((r) => setTimeout(r, 1500));
      const huge = (await status()).find((s) => s.step === 'huge')!;
      expect(huge.status).toBe('running');
      expect((await http.call<RunView>('GET', `/api/v1/pipelines/runs/${runId}`)).run.status).toBe('running');
      const waiting = await logs(runId, 'huge');
      expect(waiting.join('\n')).toContain('waiting: no live agent has labels gpu=h100; the step stays queued until one does');
      expect(waiting.join('\n')).toContain(`t4-${dialect} [gpu=t4]`);
      expect(waiting.some((l) => l.startsWith('on-'))).toBe(false);
      // An agent with the label connects: the step runs there and the run succeeds.
      await agent(`h100-${dialect}`, '--labels', 'gpu=h100');
      await until('the run to succeed', async () => (await http.call<RunView>('GET', `/api/v1/pipelines/runs/${runId}`)).run.status === 'succeeded', 30_000);
      expect(await logs(runId, 'huge')).toContain(`on-h100-${dialect}`);
    });

    it('refuses a step whose agent labels are not name -> string, naming the field', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ty-labels-bad-'));
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, 'name: bad\nsteps:\n  s:\n    command: echo hi\n    agent: { labels: { gpu: [a100] } }\n');
      const res = await runCli(['--uri', server.url, 'pipeline', 'run', file, '--executor', 'agents', '--detach']);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toMatch(/agent\.labels|labels/);
    });
  });
}
