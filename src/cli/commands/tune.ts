/**
 * @module `trainyard tune`: create, list, show and delete studies, and run an objective file on
 * a study with K worker processes and a live progress line.
 *
 * @example
 * trainyard tune create lr-search --direction minimize --sampler tpe --pruner median
 * trainyard tune run objective.ts --trials 100 --workers 4 --study lr-search
 * trainyard tune show lr-search
 */
import type { Command } from 'commander';
import { connect } from '../../client/index.js';
import { Studies, type ComponentRef, type CreateStudyOptions, type Study } from '../../client/index.js';
import type { StudyDirection } from '../../tuning/index.js';
import { formatTime, printJson, printTable } from '../output.js';
import { loadObjective, runTune } from './tune-run.js';

interface StudyFlags {
  direction?: string[];
  sampler?: string;
  samplerOptions?: string;
  pruner?: string;
  prunerOptions?: string;
  seed?: string;
  experiment?: string;
  heartbeatMs?: string;
  maxRetry?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function int(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new Error(`${flag} must be an integer (got '${v}')`);
  return Number(v);
}

function component(name: string | undefined, options: string | undefined, flag: string): ComponentRef | undefined {
  if (name === undefined) {
    if (options !== undefined) throw new Error(`${flag}-options needs ${flag}`);
    return undefined;
  }
  if (options === undefined) return name;
  try {
    return { name, options: JSON.parse(options) };
  } catch (e) {
    throw new Error(`${flag}-options must be a JSON object: ${(e as Error).message}`);
  }
}

function studyOptions(name: string, f: StudyFlags): CreateStudyOptions {
  const dirs = (f.direction ?? []).map((d) => d.toLowerCase() as StudyDirection);
  return {
    name,
    ...(dirs.length > 1 ? { directions: dirs } : { direction: dirs[0] ?? 'minimize' }),
    sampler: component(f.sampler, f.samplerOptions, '--sampler'),
    pruner: component(f.pruner, f.prunerOptions, '--pruner'),
    seed: int(f.seed, '--seed'),
    experiment: f.experiment,
    heartbeatIntervalMs: int(f.heartbeatMs, '--heartbeat-ms'),
    maxRetry: int(f.maxRetry, '--max-retry'),
  };
}

function withStudyFlags(cmd: Command): Command {
  return cmd
    .option('--direction <dir>', 'minimize or maximize; repeat for several objectives', collect)
    .option('--sampler <name>', 'auto, tpe, cmaes, nsga2, qmc, grid or random (default auto)')
    .option('--sampler-options <json>', 'sampler options as JSON, e.g. \'{"n_startup_trials":5}\'')
    .option('--pruner <name>', 'nop, median, percentile, successive_halving, hyperband, threshold or patient')
    .option('--pruner-options <json>', 'pruner options as JSON')
    .option('--seed <n>', 'seed for repeatable sampling')
    .option('--experiment <name>', 'mirror trials as runs nested under a parent run in this experiment')
    .option('--heartbeat-ms <n>', 'worker heartbeat interval (default 10000)')
    .option('--max-retry <n>', 'retries of a trial whose worker died (default 1)');
}

async function withStudies<T>(program: Command, fn: (s: Studies) => Promise<T>): Promise<T> {
  const conn = await connect({ uri: program.opts().uri });
  try {
    return await fn(new Studies(async () => conn));
  } finally {
    await conn.close();
  }
}

const valueText = (v: readonly number[] | null) => (v === null ? '' : v.length === 1 ? String(v[0]) : `[${v.join(', ')}]`);

async function showStudy(study: Study, top: number, json: boolean, evaluator: 'ped-anova' | 'fanova'): Promise<void> {
  const info = await study.refresh();
  const complete = await study.getTrials({ states: ['COMPLETE'] });
  const best = study.directions.length === 1 ? (complete.length ? [await study.bestTrial()] : []) : await study.bestTrials();
  const sign = study.directions.length === 1 && study.directions[0] === 'maximize' ? -1 : 1;
  const ranked = study.directions.length === 1 ? [...complete].sort((a, b) => sign * (a.value! - b.value!)).slice(0, top) : best.slice(0, top);
  const importances = complete.length >= 2 ? await study.importances({ evaluator, ...(study.directions.length > 1 ? { objective: 0 } : {}) }).catch(() => null) : null;
  if (json) return printJson({ study: info, best_trials: best, top_trials: ranked, importances });
  const c = info.trial_counts;
  process.stdout.write(
    [
      `Study        ${info.name}`,
      `Directions   ${info.directions.join(', ')}`,
      `Sampler      ${info.sampler.name} ${JSON.stringify(info.sampler.options)}`,
      `Pruner       ${info.pruner.name} ${JSON.stringify(info.pruner.options)}`,
      `Seed         ${info.seed}`,
      `Trials       ${info.n_trials} (complete ${c.COMPLETE ?? 0}, pruned ${c.PRUNED ?? 0}, failed ${c.FAIL ?? 0}, running ${c.RUNNING ?? 0}, waiting ${c.WAITING ?? 0})`,
      ...(info.parent_run_id ? [`Parent run   ${info.parent_run_id} (experiment ${info.experiment_id})`] : []),
      ...best.map((t) => `Best         trial ${t.number}: ${valueText(t.values)} ${JSON.stringify(t.params)}`),
      ...(importances ? [`Importance   (${evaluator}) ${Object.entries(importances).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`] : []),
      '',
    ].join('\n'),
  );
  if (ranked.length) printTable(['TRIAL', 'VALUE', 'PARAMS'], ranked.map((t) => [t.number, valueText(t.values), JSON.stringify(t.params)]), 80);
}

export function registerTuneCommands(program: Command): void {
  const tune = program.command('tune').description('Hyperparameter tuning: create, list, show studies; run an objective with many workers');

  withStudyFlags(tune.command('create <name>').description('Create a study')).option('--json', 'print JSON').action(async (name: string, f: StudyFlags & { json?: boolean }) => {
    const info = await withStudies(program, async (s) => (await s.create(studyOptions(name, f))).info);
    if (f.json) printJson(info);
    else process.stdout.write(`Created study '${info.name}' (${info.directions.join(', ')}, sampler ${info.sampler.name}, pruner ${info.pruner.name})\n`);
  });

  tune.command('list').description('List studies with their trial counts').option('--json', 'print JSON').action(async (f: { json?: boolean }) => {
    const list = await withStudies(program, (s) => s.list());
    if (f.json) return printJson(list);
    printTable(
      ['NAME', 'DIRECTIONS', 'SAMPLER', 'PRUNER', 'TRIALS', 'COMPLETE', 'PRUNED', 'FAILED', 'RUNNING', 'CREATED'],
      list.map((i) => [i.name, i.directions.join(','), i.sampler.name, i.pruner.name, i.n_trials, i.trial_counts.COMPLETE ?? 0, i.trial_counts.PRUNED ?? 0, i.trial_counts.FAIL ?? 0, i.trial_counts.RUNNING ?? 0, formatTime(i.created_at)]),
    );
  });

  tune.command('show <name>').description('Show a study: settings, counts, best trial(s), importances, top trials')
    .option('--top <n>', 'how many of the best trials to list', '10')
    .option('--importance <evaluator>', 'ped-anova (fast, default) or fanova (random-forest variance decomposition, as Optuna)', 'ped-anova')
    .option('--json', 'print JSON')
    .action(async (name: string, f: { top: string; json?: boolean; importance: string }) => {
      if (f.importance !== 'ped-anova' && f.importance !== 'fanova') throw new Error(`--importance must be ped-anova or fanova, got '${f.importance}'.`);
      await withStudies(program, async (s) => showStudy(await s.load(name), int(f.top, '--top')!, Boolean(f.json), f.importance as 'ped-anova' | 'fanova'));
    });

  tune.command('delete <name>').description('Delete a study and its trials').action(async (name: string) => {
    await withStudies(program, (s) => s.delete(name));
    process.stdout.write(`Deleted study '${name}'\n`);
  });

  withStudyFlags(
    tune.command('run <file>').description('Run FILE (default-exports `async (trial) => number`) on a study with K worker processes')
      .requiredOption('--trials <n>', 'trials to run in total')
      .option('--workers <k>', 'worker processes', '1')
      .option('--study <name>', 'study to use or create (default: the file name)'),
  ).option('--json', 'print the summary as JSON').action(async (file: string, f: StudyFlags & { trials: string; workers: string; study?: string; json?: boolean }) => {
    const trials = int(f.trials, '--trials')!;
    const workers = int(f.workers, '--workers')!;
    if (trials < 1) throw new Error(`--trials must be at least 1 (got ${trials})`);
    if (workers < 1) throw new Error(`--workers must be at least 1 (got ${workers})`);
    const name = f.study ?? file.replace(/^.*[\\/]/, '').replace(/\.[cm]?[jt]s$/, '');
    const uri = program.opts().uri as string | undefined;
    const conn = await connect({ uri });
    let code: number;
    try {
      code = await runTune(conn, file, { trials, workers, study: studyOptions(name, f), json: f.json }, uri);
    } finally {
      await conn.close();
    }
    if (code !== 0) process.exit(code);
  });

  tune.command('worker <file>', { hidden: true }).requiredOption('--study <name>').requiredOption('--trials <n>').action(async (file: string, f: { study: string; trials: string }) => {
    const objective = await loadObjective(file);
    await withStudies(program, async (s) => (await s.load(f.study)).optimize(objective, { nTrials: int(f.trials, '--trials')! }));
  });
}
