/**
 * @module `trainyard demo`: the main job. Runs examples/adult-income (validate -> features -> 20
 * tuning trials -> holdout evaluation with fairness and KPIs -> gated registration) on the
 * embedded store, with a line per step, and ends with the model version, holdout AUC, fairness
 * figures, the report's path and the commands to look at it all. A second run is served from the
 * step cache. The pipeline file is a real `pipeline(...)` definition run by the pipeline
 * scheduler with the local executor, on the same store as tracking, tuning and the registry.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { Trainyard } from '../../client/index.js';
import { defaultHome } from '../../core/config.js';
import { loadPipelineFile, PipelineScheduler, PipelineStore, tailLog, type StepEvent } from '../../pipelines/index.js';
import { migrate, openDatabase } from '../../store/index.js';
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
      const ty = new Trainyard({ home, capture: false });
      const out = (s: string) => { if (!f.json) process.stdout.write(s + '\n'); };
      const t0 = Date.now();
      const { spec } = await loadPipelineFile(EXAMPLE);
      await ty.connection();
      const db = await openDatabase(process.env.TRAINYARD_DB, home);
      await migrate(db);
      const store = new PipelineStore(db);
      const scheduler = new PipelineScheduler({ store, home, trainyard: () => ty, concurrency: 2 });
      out(`trainyard demo: pipeline '${spec.name}' on the local store at ${relative(process.cwd(), home) || '.'} (${trials} tuning trials)`);
      const started = new Map<string, number>();
      let runId = '';
      scheduler.on('step', (e: StepEvent) => {
        if (e.status === 'running') { started.set(e.step, e.at); out(`  ▶ ${e.step} ...`); return; }
        const ms = e.at - (started.get(e.step) ?? e.at);
        if (e.status === 'cached') out(`  ✓ ${e.step.padEnd(9)} ${secs(ms).padStart(6)}  cached from run ${e.cachedFrom?.run}, step ${e.cachedFrom?.step}`);
        else if (e.status === 'succeeded') {
          out(`  ✓ ${e.step.padEnd(9)} ${secs(ms).padStart(6)}`);
          for (const line of tailLog(scheduler.logPath(e.runId, e.step, e.item), e.step === 'tune' ? trials + 2 : 6)) if (!line.startsWith('#')) out(`      ${line}`);
        } else if (e.status === 'failed') {
          out(`  ✗ ${e.step.padEnd(9)} ${secs(ms).padStart(6)}  ${(e.error ?? '').split('\n')[0]}`);
          for (const line of tailLog(scheduler.logPath(e.runId, e.step, e.item), 10)) out(`      ${line}`);
        }
      });
      try {
        const submitted = await scheduler.submit(spec, { params: { trials }, cache: f.cache });
        runId = submitted.id;
        const final = await scheduler.wait(runId);
        if (final.status !== 'succeeded') fail(`pipeline run ${runId} ${final.status}: ${(final.error ?? 'see the step above').split('\n')[0]}`);
        const rows = await store.steps(runId);
        const outputs = Object.fromEntries(rows.map((r) => [r.step, r.outputs ?? {}]));
        const cached = rows.filter((r) => r.status === 'cached').map((r) => r.step);
        const res = { runId, outputs, cached };
        const steps = rows;
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
        await scheduler.close();
        await db.close();
        await ty.close();
      }
    });
}
