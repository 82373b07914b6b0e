/**
 * A YAML pipeline's commands run in the YAML file's folder (the project), wherever the CLI is
 * started from: `python3 train.py` finds train.py, and outputs still land in the step's workdir.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/server-process.js';

const PY = '/usr/bin/python3';
const root = mkdtempSync(join(tmpdir(), 'ty-cwd-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('local executor: command steps run in the pipeline file’s folder', () => {
  it('runs `python3 train.py` from a YAML pipeline started in another folder', () => {
    const project = join(root, 'project');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(join(project, 'data'), { recursive: true });
    mkdirSync(elsewhere);
    writeFileSync(join(project, 'data', 'xs.txt'), '1\n2\n3\n4\n');
    // Reads a file relative to the project, writes its metrics where the scheduler says.
    writeFileSync(
      join(project, 'train.py'),
      ['import json, os, sys', "xs = [float(l) for l in open('data/xs.txt')]", "out = sys.argv[sys.argv.index('--metrics') + 1]", "json.dump({'mean': sum(xs) / len(xs), 'cwd': os.getcwd(), 'workdir': os.environ['TRAINYARD_STEP_WORKDIR']}, open(out, 'w'))", ''].join('\n'),
    );
    writeFileSync(
      join(project, 'pipeline.yaml'),
      `name: cwd-py\nparams:\n  python: ${PY}\nsteps:\n  train:\n    command: "{{params.python}} train.py --metrics {{outputs.metrics}}"\n    outputs:\n      metrics: { type: value, path: metrics.json }\n`,
    );
    const r = spawnSync(process.execPath, [CLI, 'pipeline', 'run', join(project, 'pipeline.yaml'), '--json'], {
      cwd: elsewhere,
      encoding: 'utf8',
      env: { ...process.env, TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '', TRAINYARD_HOME: join(root, 'home') },
      timeout: 120_000,
    });
    expect(r.stderr).not.toMatch(/can't open file/);
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as { run: { status: string }; steps: { step: string; status: string; outputs?: Record<string, { mean: number; cwd: string; workdir: string }> }[] };
    expect(res.run.status).toBe('succeeded');
    const m = res.steps.find((s) => s.step === 'train')!.outputs!.metrics!;
    expect(m.mean).toBe(2.5);
    expect(m.cwd).toBe(project);
    // The declared output was written to the attempt's workdir, not into the project.
    expect(m.workdir).toContain(join('home', 'pipelines'));
    expect(JSON.parse(readFileSync(join(m.workdir, 'metrics.json'), 'utf8')).mean).toBe(2.5);
  }, 150_000);

  it('the scikit-learn adult-income YAML example runs through the scheduler from another folder', () => {
    const file = join(process.cwd(), 'examples', 'adult-income', 'python', 'pipeline.yaml');
    const elsewhere = mkdtempSync(join(root, 'sk-'));
    const r = spawnSync(process.execPath, [CLI, 'pipeline', 'run', file, '--json'], {
      cwd: elsewhere,
      encoding: 'utf8',
      env: { ...process.env, TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '', TRAINYARD_HOME: join(root, 'sk-home') },
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { run: { status: string }; steps: { step: string; outputs?: { metrics?: { auc: number } } }[] };
    expect(res.run.status).toBe('succeeded');
    expect(res.steps.find((s) => s.step === 'evaluate')!.outputs!.metrics!.auc).toBeGreaterThan(0.88);
  }, 250_000);
});
