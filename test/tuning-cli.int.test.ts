/**
 * `trainyard tune` as a user runs it (the built CLI), embedded and against a server process:
 * create/list/show/delete, and `tune run FILE.ts` with several worker processes and plain progress
 * lines (stderr is not a TTY here). Needs `npm run build`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProgress } from '../src/cli/commands/tune-progress.js';
import { share } from '../src/cli/commands/tune-run.js';
import { CLI_MODES, runCli, useCliModes } from './helpers/cli.js';

const OBJECTIVE = `
// No imports: the trial is all an objective needs. TrialPruned is recognised by name too.
export default async (trial: any): Promise<number> => {
  const x: number = await trial.suggestFloat('x', -5, 5);
  const kind: string = await trial.suggestCategorical('kind', ['a', 'b']);
  for (let step = 0; step < 3; step++) {
    await trial.report(x * x + 3 - step, step);
    if (trial.shouldPrune()) throw Object.assign(new Error('pruned'), { name: 'TrialPruned' });
  }
  return (x - 1) ** 2 + (kind === 'a' ? 0 : 0.5);
};
`;

describe('trainyard tune', () => {
  const fx = useCliModes('ty-tune-cli-', (dir) => {
    writeFileSync(join(dir, 'objective.ts'), OBJECTIVE);
    writeFileSync(join(dir, 'no-default.ts'), 'export const objective = () => 1;\n');
  });

  for (const mode of CLI_MODES) {
    describe(mode, () => {
      const env = () => fx.env(mode);

      it('creates, lists, shows and deletes studies, as tables and as JSON', async () => {
        const created = await runCli(['tune', 'create', 'grid-study', '--direction', 'maximize', '--sampler', 'grid', '--sampler-options', '{"search_space":{"x":[1,2]}}', '--json'], env());
        expect(created.code, created.stderr).toBe(0);
        expect(JSON.parse(created.stdout)).toMatchObject({ name: 'grid-study', directions: ['maximize'], sampler: { name: 'grid', options: { search_space: { x: [1, 2] } } } });
        const table = await runCli(['tune', 'list'], env());
        expect(table.stdout).toMatch(/NAME\s+DIRECTIONS\s+SAMPLER\s+PRUNER\s+TRIALS/);
        expect(table.stdout).toMatch(/grid-study\s+maximize\s+grid\s+nop\s+0/);
        expect(JSON.parse((await runCli(['tune', 'list', '--json'], env())).stdout).map((s: any) => s.name)).toContain('grid-study');
        const show = await runCli(['tune', 'show', 'grid-study'], env());
        expect(show.stdout).toMatch(/Trials\s+0 \(complete 0/);
        const bad = await runCli(['tune', 'create', 'bad', '--sampler', 'tpe', '--sampler-options', '{"n_startup":3}'], env());
        expect(bad.code).toBe(1);
        expect(bad.stderr).toMatch(/trainyard: error: Parameter 'sampler.options.n_startup' is not an option of tpe/);
        expect((await runCli(['tune', 'delete', 'grid-study'], env())).code).toBe(0);
        const gone = await runCli(['tune', 'show', 'grid-study'], env());
        expect([gone.code, gone.stderr]).toEqual([1, expect.stringMatching(/Study 'grid-study' does not exist/)]);
      });

      it('runs an objective file with 3 workers: progress lines, a summary, every trial recorded', async () => {
        const run = await runCli(['tune', 'run', join(fx.dir(), 'objective.ts'), '--trials', '10', '--workers', '3', '--study', 'quad', '--pruner', 'median', '--seed', '4'], env());
        expect(run.code, run.stderr).toBe(0);
        expect(run.stderr).toMatch(/^trials 10\/10  best \S+ \(trial \d+\)  complete \d+  pruned \d+  failed \d+  running 0$/m);
        expect(run.stdout).toMatch(/^Best trial \d+: value [\d.e-]+, params \{"kind":"[ab]","x":/m);
        const shown = JSON.parse((await runCli(['tune', 'show', 'quad', '--json'], env())).stdout);
        expect(shown.study.n_trials).toBe(10);
        expect(shown.study.trial_counts.RUNNING ?? 0).toBe(0);
        expect(shown.best_trials).toHaveLength(1);
        const fanova = await runCli(['tune', 'show', 'quad', '--importance', 'fanova'], env());
        expect(fanova.stdout).toMatch(/^Importance {3}\(fanova\) (kind|x) [\d.]+, (kind|x) [\d.]+$/m);
        const badEvaluator = await runCli(['tune', 'show', 'quad', '--importance', 'shap'], env());
        expect([badEvaluator.code, badEvaluator.stderr.trim()]).toEqual([1, expect.stringMatching(/--importance must be ped-anova or fanova/)]);
        // Running again adds to the same study; --json prints the summary.
        const more = await runCli(['tune', 'run', join(fx.dir(), 'objective.ts'), '--trials', '2', '--study', 'quad', '--json'], env());
        expect(JSON.parse(more.stdout)).toMatchObject({ study: 'quad', trials: 2 });
      });

      it('explains a missing file and a file without a default export', async () => {
        const missing = await runCli(['tune', 'run', join(fx.dir(), 'nope.ts'), '--trials', '2'], env());
        expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/Objective file '.*nope.ts' does not exist/)]);
        const noDefault = await runCli(['tune', 'run', join(fx.dir(), 'no-default.ts'), '--trials', '2', '--workers', '2'], env());
        expect(noDefault.code).toBe(1);
        // Checked once before any worker starts: one line, no worker prefix.
        expect(noDefault.stderr).toMatch(/^trainyard: error: .*no-default\.ts' must default-export the objective/);
        expect(noDefault.stderr).not.toMatch(/\[worker/);
      });
    });
  }

  it('splits the budget evenly and draws a bar on a terminal', () => {
    expect([0, 1, 2, 3, 4].map((i) => share(12, 5, i))).toEqual([3, 3, 2, 2, 2]);
    expect(formatProgress({ done: 6, target: 12, counts: { COMPLETE: 4, PRUNED: 1, FAIL: 1, RUNNING: 2 }, best: '0.1 (trial 3)' }, true)).toBe(
      '[############............] trials 6/12  best 0.1 (trial 3)  complete 4  pruned 1  failed 1  running 2',
    );
  });
});
