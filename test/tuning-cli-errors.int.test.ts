import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { CLI } from './helpers/server-process.js';

/** `trainyard tune run` when the objective is broken, or the user presses Ctrl-C: it says what happened. */
describe('tune run: broken objectives and Ctrl-C', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ty-tune-errors-'));
  const env = { TRAINYARD_HOME: join(dir, 'home') };
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file, line and message of a syntax error, once, and exits 1', async () => {
    const bad = file('bad.ts', 'export default async (trial) => {\n  const x = trial.suggestFloat("x", 0, 1)\n  return x +* ;\n};\n');
    const res = await runCli(['tune', 'run', bad, '--trials', '4', '--workers', '2'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${bad}:3:`);
    expect(res.stderr).toMatch(/Unexpected "\*"/);
    expect(res.stderr).not.toMatch(/Transform failed|\[worker/);
    expect(res.stderr.trim().split('\n').filter((l) => l.includes('bad.ts'))).toHaveLength(1);
  });

  it.each([
    ['a string', '"oops"', /returned string, not a number/],
    ['NaN', 'NaN', /NaN/],
  ])('prints why each trial failed and exits non-zero when the objective returns %s', async (_what, value, reason) => {
    const name = `returns-${value.replace(/\W/g, '')}.ts`;
    const f = file(name, `export default async (trial) => { trial.suggestFloat('x', 0, 1); return ${value}; };\n`);
    const res = await runCli(['tune', 'run', f, '--trials', '3', '--workers', '1'], env);
    expect(res.code).toBe(1);
    const out = res.stdout + res.stderr;
    expect(out.match(/trial \d+ FAIL: .*/g)?.length).toBe(3);
    expect(out).toMatch(reason);
    expect(res.stderr).toMatch(/error: all 3 trials failed/);
  });

  it('Ctrl-C stops the workers, marks their running trials FAIL (stopped), prints a summary and exits 130', async () => {
    const slow = file('slow.ts', "export default async (trial) => { trial.suggestFloat('x', 0, 1); await new Promise((r) => setTimeout(r, 120_000)); return 1; };\n");
    const child = spawn(process.execPath, [CLI, 'tune', 'run', slow, '--trials', '6', '--workers', '2', '--study', 'ctrl-c'], {
      env: { ...process.env, TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '', ...env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const deadline = Date.now() + 45_000;
    while (!/running 2/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(out).toMatch(/running 2/);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(out).toMatch(/interrupted: workers stopped; 2 running trial\(s\) marked FAIL \(stopped\)/);
    expect(out).toMatch(/Study 'ctrl-c'/);
    const shown = await runCli(['tune', 'show', 'ctrl-c', '--json'], env);
    const trials = (JSON.parse(shown.stdout) as { study: { trial_counts: Record<string, number> } }).study.trial_counts;
    expect(trials.RUNNING ?? 0).toBe(0);
    expect(trials.FAIL).toBe(2);
  }, 90_000);
});
