/**
 * @module `trainyard demo`: the main job. Runs examples/adult-income (validate -> features -> 20
 * tuning trials -> holdout evaluation with fairness and KPIs -> gated registration) on the
 * embedded store, with a line per step, and ends with the model version, holdout AUC, fairness
 * figures, the report's path and the commands to look at it all. A second run is served from the
 * step cache. The pipeline file is a real `pipeline(...)` definition submitted through the public
 * SDK (`ty.pipelines.run(p, ...)`) to the embedded store's pipeline scheduler (local executor), the
 * same store as tracking, tuning and the registry; the live view follows the run over the same API.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Trainyard } from '../../client/index.js';
import { defaultHome } from '../../core/config.js';
import { importPipeline, type RunJson, type StepJson } from '../../pipelines/index.js';
import { fail } from '../output.js';

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const EXAMPLE = join(PACKAGE_ROOT, 'examples', 'adult-income', 'pipeline.ts');

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const f3 = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : 'n/a');

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the adult-income pipeline end to end on the local store (validate, features, tuning, evaluation, gated registration)')
    .option('--trials <n>', 'tuning trials', '20')
    .option('--no-cache', 'rerun every step')
    .option('--json', 'print the summary as JSON')
    .action(async (f: { trials: string; cache: boolean; json?: boolean }) => {
      const trials = Number(f.trials);
      if (!Number.isInteger(trials) || trials < 1) fail(`--trials must be a positive integer, got '${f.trials}'.`);
      if (program.opts().uri) fail('trainyard demo runs on the embedded local store; unset --uri.');
      if (!existsSync(EXAMPLE)) fail(`The example pipeline is missing at ${EXAMPLE}; reinstall trainyard.`);
      const home = defaultHome();
      // The public SDK path a user's script takes: `ty.pipelines.run(p, ...)` on the embedded
      // store (the same routes a server serves; the scheduler runs in this process).
      const ty = new Trainyard({ home, capture: false });
      const out = (s: string) => { if (!f.json) process.stdout.write(s + '\n'); };
      const t0 = Date.now();
      try {
        const p = await importPipeline(EXAMPLE);
        out(`trainyard demo: pipeline '${p.name}' on the local store at ${relative(process.cwd(), home) || '.'} (${trials} tuning trials)`);
        // The live view: a line when a step starts and when it ends (log tails on the way).
        const seen = new Map<string, string>();
        let printing = Promise.resolve();
        const onProgress = ({ run, steps }: { run: RunJson; steps: StepJson[] }) => {
          for (const s of steps) {
            if (seen.get(s.step) === s.status || s.status === 'pending') continue;
            seen.set(s.step, s.status);
            printing = printing.then(() => printStep(ty, run.run_id, s, trials, out)).catch(() => {});
          }
        };
        const { run, steps } = await ty.pipelines.run(p, { file: EXAMPLE, params: { trials }, cache: f.cache, onProgress, pollMs: 100 });
        await printing;
        const runId = run.run_id;
        if (run.status !== 'succeeded') fail(`pipeline run ${runId} ${run.status}: ${(run.error ?? 'see the step above').split('\n')[0]}`);
        const outputs = Object.fromEntries(steps.map((r) => [r.step, r.outputs ?? {}]));
        const cached = steps.filter((r) => r.status === 'cached').map((r) => r.step);
        const res = { runId, outputs, cached };
        const ev = res.outputs.evaluate as { report: { path: string }; metrics: Record<string, number> };
        const reg = res.outputs.register as { version: string; promotion: string | null; gatesPassed: boolean };
        const summary = {
          pipeline_run: res.runId, model: 'adult-income', version: reg.version, promotion_request: reg.promotion, gates_passed: reg.gatesPassed,
          auc: ev.metrics.auc, pr_auc: ev.metrics.pr_auc, accuracy: ev.metrics.accuracy,
          fairness: { sex_di_ratio: ev.metrics['fairness.sex.di_ratio'], race_di_ratio: ev.metrics['fairness.race.di_ratio'], dp_diff: ev.metrics.dp_diff, eo_diff: ev.metrics.eo_diff },
          report: join(ev.report.path, 'report.html'), cached_steps: res.cached, seconds: (Date.now() - t0) / 1000,
        };
        if (f.json) { process.stdout.write(JSON.stringify(summary, null, 2) + '\n'); return; }
        out(`Pipeline run ${runId} (step runs are in experiment 'adult-income', tagged trainyard.pipeline.run).`);
        out('');
        if (res.cached.length === steps.length) out(`All ${steps.length} steps were served from the cache (nothing changed); --no-cache reruns them.`);
        else if (res.cached.length) out(`Served from the cache: ${res.cached.join(', ')}.`);
        out(`Model:     adult-income version ${reg.version}`);
        out(`Holdout:   AUC ${f3(summary.auc)}, PR AUC ${f3(summary.pr_auc)}, accuracy ${f3(summary.accuracy)}`);
        out(`Fairness:  disparate impact ratio sex ${f3(summary.fairness.sex_di_ratio)}, race ${f3(summary.fairness.race_di_ratio)}; DP difference ${f3(summary.fairness.dp_diff)}; EO difference ${f3(summary.fairness.eo_diff)}`);
        out(`Promotion: request ${reg.promotion} to @champion ${reg.gatesPassed ? 'passes its gates; awaiting review' : 'FAILS a gate (see the register step above); a reviewer must reject it or approve with an override reason'}`);
        out(`Report:    ${relative(process.cwd(), summary.report)}`);
        out(`Took ${secs(Date.now() - t0)}. Look at it all:`);
        out(`  npx trainyard server                      # then open http://127.0.0.1:5000 (experiment 'adult-income')`);
        out(`  npx trainyard models show adult-income`);
        out(`  npx trainyard models promote adult-income --approve ${reg.promotion} --user <another-user>`);
      } catch (e) {
        fail((e as Error).message);
      } finally {
        await ty.close();
      }
    });
}

/** One step's line of the live view; a finished step's log tail (the tuning trials), a failed one's last lines. */
async function printStep(ty: Trainyard, runId: string, s: StepJson, trials: number, out: (s: string) => void): Promise<void> {
  const ms = s.duration_ms ?? 0;
  if (s.status === 'running') return out(`  ▶ ${s.step} ...`);
  if (s.status === 'cached') return out(`  ✓ ${s.step.padEnd(9)} ${secs(ms).padStart(6)}  ${s.cached_from?.message ?? 'cached'}`);
  if (s.status === 'succeeded') {
    out(`  ✓ ${s.step.padEnd(9)} ${secs(ms).padStart(6)}`);
    for (const line of await ty.pipelines.logs(runId, s.step, { tail: s.step === 'tune' ? trials + 2 : 6 })) if (!line.startsWith('#')) out(`      ${line}`);
    return;
  }
  if (s.status === 'failed' || s.status === 'skipped' || s.status === 'cancelled') {
    out(`  ✗ ${s.step.padEnd(9)} ${secs(ms).padStart(6)}  ${s.status}: ${(s.error ?? '').split('\n')[0]}`);
    if (s.status === 'failed') for (const line of await ty.pipelines.logs(runId, s.step, { tail: 10 })) out(`      ${line}`);
  }
}
