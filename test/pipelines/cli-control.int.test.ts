/**
 * `trainyard pipeline cancel|resume|retry|schedule|schedules|unschedule` from the built CLI
 * against a real server process, `--json` on each. Command steps run in the YAML file's folder,
 * so they count their completions in files next to it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTransport } from '../../src/client/transport.js';
import { runCli } from '../helpers/cli.js';
import { alive } from '../helpers/process-alive.js';
import { spawnServer, type ServerProcess } from '../helpers/server-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0);

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Shown {
  run: { run_id: string; status: string };
  steps: { step: string; status: string; attempt: number }[];
}

describe('pipeline run control from the CLI against a server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-pipe-cli-'));
  const home = join(dir, 'home');
  let server: ServerProcess;
  const cli = (...args: string[]) => runCli(['--uri', server.url, 'pipeline', ...args]);
  const json = async <T>(...args: string[]): Promise<{ code: number; body: T; stderr: string }> => {
    const r = await cli(...args, '--json');
    let body: T;
    try {
      body = JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, body, stderr: r.stderr };
  };
  const show = async (id: string) => (await json<Shown>('show', id)).body;
  const statusOf = (s: Shown) => Object.fromEntries(s.steps.map((x) => [x.step, x.status]));

  beforeAll(async () => {
    server = await spawnServer(['--home', home]);
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('cancel --json stops the running step with its whole process tree and cancels what has not started', async () => {
    const file = join(dir, 'cancel.yaml');
    writeFileSync(file, 'name: cancel-cli\nsteps:\n  long:\n    command: sleep 60 & echo $! > cancel-child.pid; echo $$ > cancel-shell.pid; wait\n  next:\n    command: echo next >> cancel-next.count\n    after: [long]\n');
    const started = await json<{ run: { run_id: string } }>('run', file, '--detach');
    expect(started.code).toBe(0);
    const id = started.body.run.run_id;
    await until('the step to start its child', () => existsSync(join(dir, 'cancel-child.pid')) && existsSync(join(dir, 'cancel-shell.pid')));
    const child = Number(readFileSync(join(dir, 'cancel-child.pid'), 'utf8'));
    const shell = Number(readFileSync(join(dir, 'cancel-shell.pid'), 'utf8'));
    expect(alive(child)).toBe(true);
    const c = await json<{ run: { run_id: string; status: string } }>('cancel', id);
    expect(c.code).toBe(0);
    expect(c.body.run).toMatchObject({ run_id: id, status: 'cancelled' });
    await until('the process tree to be gone', () => !alive(child) && !alive(shell), 5000);
    expect(statusOf(await show(id))).toEqual({ long: 'cancelled', next: 'cancelled' });
    expect(lines(join(dir, 'cancel-next.count'))).toBe(0);
    // The text form, and a second cancel of a finished run is harmless.
    const again = await cli('cancel', id);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`Pipeline run ${id} cancelled.\n`);
  }, 60_000);

  it('retry --step reruns only that step and its dependents; --json; a bad step is a one-line error', async () => {
    const file = join(dir, 'retry.yaml');
    writeFileSync(
      file,
      `name: retry-cli
steps:
  a:
    command: echo a >> retry-a.count
  b:
    command: test -f retry-fixed && echo b >> retry-b.count
    after: [a]
  c:
    command: echo c >> retry-c.count
    after: [b]
  d:
    command: echo d >> retry-d.count
`,
    );
    const count = (s: string) => lines(join(dir, `retry-${s}.count`));
    const first = await json<Shown>('run', file, '--no-cache');
    expect(first.code).toBe(1);
    expect(first.body.run.status).toBe('failed');
    expect(statusOf(first.body)).toEqual({ a: 'succeeded', b: 'failed', c: 'skipped', d: 'succeeded' });
    const id = first.body.run.run_id;
    writeFileSync(join(dir, 'retry-fixed'), '');
    const r = await json<Shown>('retry', id, '--step', 'b');
    expect(r.code).toBe(0);
    expect(r.body.run).toMatchObject({ run_id: id, status: 'succeeded' });
    expect(statusOf(r.body)).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' });
    expect([count('a'), count('b'), count('c'), count('d')]).toEqual([1, 1, 1, 1]);
    expect(r.body.steps.find((s) => s.step === 'b')!.attempt).toBe(2);
    // Retrying a step that succeeded reruns it and what follows it, nothing else.
    const r2 = await json<Shown>('retry', id, '--step', 'c');
    expect(r2.code).toBe(0);
    expect([count('a'), count('b'), count('c'), count('d')]).toEqual([1, 1, 2, 1]);
    const bad = await cli('retry', id, '--step', 'nope');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/no step 'nope'/);
  }, 90_000);

  it('resume --json after kill -9 of the server follows the recovered run to the end; no step completes twice', async () => {
    const file = join(dir, 'killed.yaml');
    writeFileSync(
      file,
      'name: killed-cli\nsteps:\n  first:\n    command: echo first >> killed-first.count\n  slow:\n    command: sleep 3 && echo slow >> killed-slow.count\n    after: [first]\n  last:\n    command: echo last >> killed-last.count\n    after: [slow]\n',
    );
    const id = (await json<{ run: { run_id: string } }>('run', file, '--detach')).body.run.run_id;
    const http = new HttpTransport(server.url);
    await until('slow to be running', async () => (await http.call<Shown>('GET', `/api/v1/pipelines/runs/${id}`)).steps.find((s) => s.step === 'slow')!.status === 'running');
    await http.close();
    await sleep(300);
    server.child.kill('SIGKILL');
    await server.exited;
    server = await spawnServer(['--home', home]);
    const r = await json<Shown>('resume', id);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.body.run).toMatchObject({ run_id: id, status: 'succeeded' });
    expect(statusOf(r.body)).toEqual({ first: 'succeeded', slow: 'succeeded', last: 'succeeded' });
    expect(['first', 'slow', 'last'].map((s) => lines(join(dir, `killed-${s}.count`)))).toEqual([1, 1, 1]);
    // Resuming a finished, succeeded run changes nothing.
    const again = await json<Shown>('resume', id);
    expect(again.code).toBe(0);
    expect(['first', 'slow', 'last'].map((s) => lines(join(dir, `killed-${s}.count`)))).toEqual([1, 1, 1]);
  }, 90_000);

  it('schedule / schedules / unschedule --json: the server fires the cron, and stops after unschedule', async () => {
    const file = join(dir, 'tick.yaml');
    writeFileSync(file, 'name: tick-cli\nsteps:\n  t:\n    command: echo tick >> tick.count\n');
    const bad = await cli('schedule', file, '--cron', '61 * * * *');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/cron/);
    const made = await json<{ schedule: { schedule_id: string; pipeline: string; cron: string; next_fire_at: number } }>('schedule', file, '--cron', '* * * * * *');
    expect(made.code).toBe(0);
    expect(made.body.schedule).toMatchObject({ pipeline: 'tick-cli', cron: '* * * * * *' });
    const id = made.body.schedule.schedule_id;
    const listed = await json<{ schedules: { schedule_id: string; file: string }[] }>('schedules');
    expect(listed.body.schedules.find((s) => s.schedule_id === id)?.file).toBe(file);
    // Every tick is a run (after the first, served from the step cache: same command, same inputs).
    const runCount = async () => (await json<{ runs: unknown[] }>('list', '--pipeline', 'tick-cli')).body.runs.length;
    await until('two scheduled runs', async () => (await runCount()) >= 2, 15_000);
    expect(lines(join(dir, 'tick.count'))).toBe(1);
    const del = await json<{ schedule_id: string; deleted: boolean }>('unschedule', id);
    expect(del.body).toEqual({ schedule_id: id, deleted: true });
    expect((await json<{ schedules: unknown[] }>('schedules')).body.schedules).toEqual([]);
    await sleep(1500); // a fire already won may still be running
    const runs = await runCount();
    await sleep(2500);
    expect(await runCount()).toBe(runs);
    expect((await cli('unschedule', id)).code).toBe(1);
  }, 60_000);
});
