import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpTransport } from '../../src/client/transport.js';
import { runCli } from '../helpers/cli.js';
import { freePort, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { killAgent, spawnAgent, until, type AgentProcess } from '../helpers/agents.js';

// kill -9 of the server while a step runs on an agent: the agent keeps running it, the restarted
// server re-attaches to the live task (same dedupe key) instead of queueing a second copy, and
// the agent's result, sent once the server is back, completes the run. The step runs once.
describe('server restart with a step on an agent', () => {
  let t: TestDatabase;
  let server: ServerProcess | undefined;
  let agent: AgentProcess | undefined;
  afterAll(async () => {
    await killAgent(agent);
    server?.child.kill('SIGKILL');
    await server?.exited;
    await t?.drop();
  });

  it('re-attaches: the step runs once and the run succeeds', async () => {
    t = await createTestDatabase('sqlite');
    const dir = mkdtempSync(join(tmpdir(), 'ty-agents-restart-'));
    const log = join(dir, 'steps.log');
    const file = join(dir, 'p.yaml');
    writeFileSync(file, `name: restart\nsteps:\n  slow:\n    command: echo start >> ${log}; sleep 4; echo done >> ${log}\n  next:\n    command: echo next >> ${log}\n    after: [slow]\n`);
    const port = await freePort();
    server = await spawnServer(['--port', String(port), '--home', t.home, '--db', t.url]);
    agent = await spawnAgent(server.url, ['--name', 'steady']);
    const res = await runCli(['--uri', server.url, 'pipeline', 'run', file, '--executor', 'agents', '--detach']);
    expect(res.code, res.stderr).toBe(0);
    const runId = res.stdout.trim().split('\n').pop()!;
    await until('the step to start', () => readFileSync(log, { encoding: 'utf8', flag: 'a+' }).includes('start'));
    server.child.kill('SIGKILL');
    await server.exited;
    server = await spawnServer(['--port', String(port), '--home', t.home, '--db', t.url]);
    const http = new HttpTransport(server.url);
    let status = '';
    await until('the run to finish', async () => ['succeeded', 'failed', 'cancelled'].includes((status = (await http.call<{ run: { status: string } }>('GET', `/api/v1/pipelines/runs/${runId}`)).run.status)), 60_000);
    expect(status).toBe('succeeded');
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['start', 'done', 'next']);
    await http.close();
  }, 120_000);
});
