import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Trainyard } from '../src/client/index.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'bin', 'trainyard.js');
const dir = mkdtempSync(join(tmpdir(), 'ty-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The demo as a user runs it (`npx trainyard demo`), from an empty folder, with no Python on PATH;
// fewer trials than the default 20 to keep CI short, same code path.
const demo = (...args: string[]) => run(process.execPath, [BIN, 'demo', '--trials', '4', ...args], {
  cwd: dir, env: { ...process.env, TRAINYARD_HOME: '', TRAINYARD_URI: '', MLFLOW_TRACKING_URI: '', PATH: '/nonexistent' }, timeout: 240_000,
});

describe('trainyard demo', () => {
  it('runs the adult-income pipeline end to end, then serves a second run from the cache', async () => {
    const first = await demo();
    const out = first.stdout;
    for (const step of ['validate', 'features', 'tune', 'evaluate', 'register']) expect(out).toMatch(new RegExp(`✓ ${step}`));
    expect(out).toMatch(/trial +3 +COMPLETE|trial +3 +PRUNED/);
    expect(out).toMatch(/Model: +adult-income version 1/);
    const auc = Number(/AUC (0\.\d+)/.exec(out)![1]);
    expect(auc).toBeGreaterThan(0.85);
    expect(out).toMatch(/disparate impact ratio sex 0\.\d+, race 0\.\d+/);
    const report = join(dir, /Report: +(\S+)/.exec(out)![1]!);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toMatch(/ROC \(AUC/);
    expect(html).toContain('sex: rates by group');
    expect(existsSync(report.replace(/report\.html$/, 'report.md'))).toBe(true);

    const second = await demo();
    expect(second.stdout).toMatch(/All 5 steps were served from the cache/);
    expect(second.stdout).toMatch(/✓ tune .*cached from run pr_\w+, step tune/);
    expect(out).toMatch(/trial +0 COMPLETE val_auc 0\.\d+/);
    expect(second.stdout).toMatch(/Model: +adult-income version 1/);

    // The registry holds the version with its evaluation metrics, and a promotion request whose
    // gate verdicts were recorded (Adult's sex DI ratio is far under 0.8: that gate fails).
    const ty = new Trainyard({ home: join(dir, 'trainyard-data'), capture: false });
    try {
      const v = await ty.models.resolve('adult-income', 1);
      const tags = Object.fromEntries((v.tags ?? []).map((t: { key: string; value: string }) => [t.key, t.value]));
      expect(Number(tags['metrics.auc'])).toBeCloseTo(auc, 3);
      expect(tags['evaluation_report']).toMatch(/^runs:\/\w+\/report\/report\.html$/);
      const reqId = /request (pr-[0-9a-f]+)/.exec(out)![1]!;
      await expect(ty.models.approve('adult-income', reqId, { user: 'reviewer' })).rejects.toThrow(/fails its gates.*di_ratio/);
      // The printed fairness figure is the one stored on the version, and it is why the gate failed.
      const sexDi = Number(/disparate impact ratio sex (0\.\d+)/.exec(out)![1]);
      expect(Number(tags['metrics.di_ratio'] ?? tags['metrics.fairness.sex.di_ratio'])).toBeLessThan(0.8);
      expect(sexDi).toBeLessThan(0.8);
      expect(out).toMatch(/FAILS a gate/);
      // Both demo runs went through the SDK's pipeline API: they are pipeline runs in the store,
      // the first with every step run, the second with every step from the cache.
      const runs = await ty.pipelines.list({ pipeline: 'adult-income' });
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      const firstId = /Pipeline run (pr_\w+)/.exec(out)![1]!;
      const firstRun = await ty.pipelines.get(firstId);
      expect(firstRun.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded']);
      const secondId = /Pipeline run (pr_\w+)/.exec(second.stdout)![1]!;
      expect(secondId).not.toBe(firstId);
      expect((await ty.pipelines.get(secondId)).steps.every((s) => s.status === 'cached' && s.cached_from?.run_id === firstId)).toBe(true);
      const study = (await ty.studies.list()).find((s) => s.name.startsWith('adult-income-tune'));
      expect(study?.n_trials).toBe(4);
      expect(study?.parent_run_id).toBeTruthy();
    } finally {
      await ty.close();
    }
  }, 300_000);

  it('refuses bad flags with a one-line error and exit 1', async () => {
    const err = await demo('--trials', 'many').catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr.trim()).toBe("trainyard: error: --trials must be a positive integer, got 'many'.");
  });
});
