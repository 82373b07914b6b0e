import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trainyard } from '../../src/client/index.js';
import { HttpTransport } from '../../src/client/transport.js';
import { CLI, spawnServer, type ServerProcess } from '../helpers/server-process.js';
import { PIPELINES_MODULE } from '../helpers/pipelines.js';

describe('pipelines over HTTP, the SDK and the CLI', () => {
  let server: ServerProcess;
  const home = mkdtempSync(join(tmpdir(), 'ty-pipe-http-'));
  const dir = mkdtempSync(join(tmpdir(), 'ty-pipe-proj-'));
  beforeAll(async () => {
    server = await spawnServer(['--home', home]);
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });

  it('ty.pipelines.run runs a TypeScript pipeline file on the server; its step logs to a tracking run', async () => {
    const file = join(dir, 'p.ts');
    writeFileSync(
      file,
      `import { pipeline, defineStep, value } from ${JSON.stringify(PIPELINES_MODULE)};
const s = defineStep({ id: 't.s', version: '1', outputs: { v: value<number>() }, async run(i: { x: number }, ctx) {
  const run = await ctx.run(); await run.logMetric('x', i.x); return { v: i.x * 2 };
} });
const p = pipeline('sdk-p', { params: { x: 21 } });
p.step('double', s({ x: p.params.x }));
export default p;`,
    );
    const ty = new Trainyard({ uri: server.url });
    const { run, steps } = await ty.pipelines.run(file);
    expect(run.status).toBe('succeeded');
    expect(steps[0]!.outputs).toEqual({ v: 42 });
    const tracked = await ty.getRun(steps[0]!.tracking_run_id!);
    expect(tracked.data.metrics.find((m) => m.key === 'x')!.value).toBe(21);
    expect(tracked.data.tags.find((t) => t.key === 'trainyard.pipeline.run')!.value).toBe(run.run_id);
    expect((await ty.pipelines.list({ pipeline: 'sdk-p' })).map((r) => r.run_id)).toContain(run.run_id);
  });

  it('answers bad input with 400 and a message, never a 500', async () => {
    const http = new HttpTransport(server.url);
    await expect(http.call('POST', '/api/v1/pipelines/runs', { spec: { nope: 1 } })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(http.call('GET', '/api/v1/pipelines/runs/pr_missing')).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await http.close();
  });

  it('the CLI refuses a bad file before anything runs, with the step and field, exit 1', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nsteps:\n  a:\n    command: "true"\n    after: [b]\n  b:\n    command: "true"\n    after: [a]\n');
    const r = spawnSync(process.execPath, [CLI, '--uri', server.url, 'pipeline', 'run', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^trainyard: error: step '(a|b)', field 'needs': cycle/);
  });

  it('the CLI runs a YAML pipeline with --param, shows the failing step log tail, and --json on list/show', () => {
    const file = join(dir, 'p.yaml');
    writeFileSync(file, 'name: cli-y\nparams:\n  word: x\nsteps:\n  say:\n    command: echo said {{params.word}}\n  fail:\n    command: echo failing now >&2; exit 4\n    after: [say]\n');
    const r = spawnSync(process.execPath, [CLI, '--uri', server.url, 'pipeline', 'run', file, '--param', 'word=hello'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/✗ fail\s+failed/);
    expect(r.stderr).toContain('failing now');
    const list = JSON.parse(execFileSync(process.execPath, [CLI, '--uri', server.url, 'pipeline', 'list', '--json', '--pipeline', 'cli-y'], { encoding: 'utf8' }));
    const id = list.runs[0].run_id;
    const show = JSON.parse(execFileSync(process.execPath, [CLI, '--uri', server.url, 'pipeline', 'show', id, '--json'], { encoding: 'utf8' }));
    expect(show.run.params).toEqual({ word: 'hello' });
    expect(show.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'failed']);
    const logs = execFileSync(process.execPath, [CLI, '--uri', server.url, 'pipeline', 'logs', id, '--step', 'say'], { encoding: 'utf8' });
    expect(logs).toContain('said hello');
  });
});
