import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainyard } from '../../src/client/trainyard.js';
import { runCli } from '../helpers/cli.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { killAgent, spawnAgent, type AgentProcess } from '../helpers/agents.js';
import { PIPELINES_MODULE } from '../helpers/pipelines.js';

const source = (factor: number) => `import { pipeline, defineStep, value } from ${JSON.stringify(PIPELINES_MODULE)};
const s = defineStep({ id: 't.mul', version: '1', outputs: { v: value<number>() }, async run(i: { x: number }, ctx) {
  ctx.log.info('pid ' + process.pid + ' agent ' + process.env.TRAINYARD_AGENT);
  const run = await ctx.run(); await run.logMetric('x', i.x); return { v: i.x * ${factor} };
} });
const p = pipeline('ts-on-agent', { params: { x: 21 } });
p.step('mul', s({ x: p.params.x }));
export default p;`;

// A TypeScript step on an agent: a child process of the agent imports the pipeline file, the
// step logs to a tracking run on the server over HTTP, and an edited file is imported afresh.
describe('TypeScript steps on an agent', () => {
  let server: ServerProcess;
  let agent: AgentProcess;
  const home = mkdtempSync(join(tmpdir(), 'ty-agents-ts-'));
  const dir = mkdtempSync(join(tmpdir(), 'ty-agents-ts-proj-'));
  beforeAll(async () => {
    server = await spawnServer(['--home', home]);
    agent = await spawnAgent(server.url, ['--name', 'ts-agent']);
  });
  afterAll(async () => {
    await killAgent(agent);
    server?.child.kill('SIGKILL');
    await server?.exited;
  });

  it('runs in a child of the agent, logs to a tracking run, and sees an edited file', async () => {
    const file = join(dir, 'p.ts');
    writeFileSync(file, source(2));
    const ty = new Trainyard({ uri: server.url });
    const first = await ty.pipelines.run(file, { executor: 'agents' });
    expect(first.run.status).toBe('succeeded');
    expect(first.steps[0]!.outputs).toEqual({ v: 42 });
    const tracked = await ty.getRun(first.steps[0]!.tracking_run_id!);
    expect(tracked.data.metrics.find((m) => m.key === 'x')!.value).toBe(21);
    const c = await ty.connection();
    const logs = await c.call<{ lines: string[] }>('GET', `/api/v1/pipelines/runs/${first.run.run_id}/logs`, { step: 'mul' });
    const line = logs.lines.find((l) => l.startsWith('pid '));
    expect(line, logs.lines.join('\n')).toMatch(/ agent ts-agent$/);
    expect(Number(line!.split(' ')[1])).not.toBe(agent.child.pid);
    // Edited: a fresh CLI compiles it (new code hash, a cache miss); the long-running agent must not reuse the old module.
    writeFileSync(file, source(3));
    const res = await runCli(['--uri', server.url, 'pipeline', 'run', file, '--executor', 'agents', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const second = JSON.parse(res.stdout) as { steps: { status: string; outputs: unknown }[] };
    expect(second.steps[0]).toMatchObject({ status: 'succeeded', outputs: { v: 63 } });
  });
});
