/**
 * @module `trainyard demo`: the main job. Runs examples/adult-income (validate -> features -> 20
 * tuning trials -> holdout evaluation with fairness and KPIs -> gated registration) on the
 * embedded store, with a line per step, and ends with the model version, holdout AUC, fairness
 * figures, the report's path and the commands to look at it all. A second run is served from the
 * step cache. The pipeline file is the real `pipeline(...)` definition; its steps run in order
 * through `runPipelineInOrder` (the pipeline scheduler is not merged yet); tracking, tuning and
 * the registry are the real ones.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { Trainyard } from '../../client/index.js';
import { defaultHome } from '../../core/config.js';
import { isPipeline } from '../../pipelines/index.js';
import type { StepEvent } from '../../pipelines/steps/index.js';
import { runPipelineInOrder } from '../../pipelines/steps/index.js';
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
      const { tsImport } = await import('tsx/esm/api');
      const mod = (await tsImport(pathToFileURL(EXAMPLE).href, import.meta.url)) as { default?: unknown };
      const p = mod.default;
      if (!isPipeline(p)) fail(`${EXAMPLE} does not default-export a pipeline.`);
      const home = defaultHome();
      const ty = new Trainyard({ home, capture: false });
      const out = (s: string) => { if (!f.json) process.stdout.write(s + '\n'); };
      const t0 = Date.now();
      const name = p.name;
      const steps = p.steps;
      out(`trainyard demo: pipeline '${name}' on the local store at ${relative(process.cwd(), home) || '.'} (${trials} tuning trials)`);
      const onEvent = (e: StepEvent) => {
        if (e.kind === 'start') out(`  ▶ ${e.step} ...`);
        else if (e.kind === 'done') out(`  ✓ ${e.step.padEnd(9)} ${secs(e.ms).padStart(6)}${e.cached ? `  cached from run ${e.cached.runId}, step ${e.step} (key ${e.cached.key.slice(0, 12)})` : ''}`);
        else if (e.kind === 'failed') out(`  ✗ ${e.step.padEnd(9)} ${secs(e.ms).padStart(6)}  ${e.error.message.split('\n')[0]}`);
        else out(`    ${e.level === 'info' ? '' : `${e.level}: `}${e.message}`);
      };
      try {
        const res = await runPipelineInOrder(ty, p, { home, params: { trials }, noCache: !f.cache, onEvent });
        const ev = res.outputs.evaluate as { report: { path: string }; metrics: Record<string, number> };
        const reg = res.outputs.register as { version: string; promotion: string | null; gatesPassed: boolean };
        const summary = {
          pipeline_run: res.runId, model: 'adult-income', version: reg.version, promotion_request: reg.promotion, gates_passed: reg.gatesPassed,
          auc: ev.metrics.auc, pr_auc: ev.metrics.pr_auc, accuracy: ev.metrics.accuracy,
          fairness: { sex_di_ratio: ev.metrics['fairness.sex.di_ratio'], race_di_ratio: ev.metrics['fairness.race.di_ratio'], dp_diff: ev.metrics.dp_diff, eo_diff: ev.metrics.eo_diff },
          report: join(ev.report.path, 'report.html'), cached_steps: res.cached, seconds: (Date.now() - t0) / 1000,
        };
        if (f.json) { process.stdout.write(JSON.stringify(summary, null, 2) + '\n'); return; }
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
