/**
 * The tuning benchmark: our samplers and Optuna 3.1 on the development suite in one run, plus
 * the ask() speed comparison. Writes bench/results/tuning-quality.json, tuning-ask.json and
 * tuning.md.
 *
 *   npx tsx bench/tuning/run.ts [--seeds 100-119] [--budget 200] [--ask 1000]   (~10 minutes)
 *
 * Optuna comes from Debian (apt-get install python3-optuna python3-cmaes) and runs under
 * /usr/bin/python3 in two background processes while our samplers run here.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoSampler, CmaEsSampler, RandomSampler, TPESampler, type Sampler } from '../../src/tuning/index.js';
import { askTimes, summarise, type AskSummary, type AskTimes } from './ask-speed.js';
import { PROBLEMS } from './problems.js';
import { runOurs } from './quality.js';
import { writeReport } from './report.js';
import type { Trace } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const work = join(root, 'bench', '.work');
const results = join(root, 'bench', 'results');
mkdirSync(work, { recursive: true });
mkdirSync(results, { recursive: true });

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const [s0, s1] = arg('seeds', '100-119').split('-').map(Number) as [number, number];
const SEEDS = Array.from({ length: s1 - s0 + 1 }, (_, i) => s0 + i);
const BUDGET = Number(arg('budget', '200'));
const ASK_N = Number(arg('ask', '1000'));

/** Our samplers in the comparison; `default` is what createStudy uses. */
export const OURS: Record<string, (() => Sampler) | null> = {
  default: null,
  tpe: () => new TPESampler(),
  'tpe-optuna31': () => new TPESampler({ optuna31Compat: true }),
  cmaes: () => new CmaEsSampler(),
  random: () => new RandomSampler(),
};

function python(args: string[], log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/python3', [join(here, 'optuna_runner.py'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`optuna_runner ${args[0]} failed (${code}): ${err.slice(-2000)} [${log}]`))));
  });
}

const started = Date.now();
const log = (m: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${m}`);
const ids = PROBLEMS.map((p) => p.id);
const half = Math.ceil(ids.length / 2);
const optunaFiles = [join(work, 'tuning-optuna-a.json'), join(work, 'tuning-optuna-b.json')];
log(`seeds ${SEEDS.join(',')}, budget ${BUDGET}; starting Optuna (2 processes)`);
const optunaDone = Promise.all([
  python(['quality', ids.slice(0, half).join(','), SEEDS.join(','), String(BUDGET), optunaFiles[0]!], 'a'),
  python(['quality', ids.slice(half).join(','), SEEDS.join(','), String(BUDGET), optunaFiles[1]!], 'b'),
]).then(() => log('Optuna quality done'));

const ours: Record<string, Record<string, Trace[]>> = {};
for (const [name, make] of Object.entries(OURS)) {
  ours[name] = {};
  for (const p of PROBLEMS) {
    if (p.objectives > 1 && name === 'cmaes') continue;
    const runs: Trace[] = [];
    for (const seed of SEEDS) runs.push(await runOurs(p, make, seed, BUDGET));
    ours[name]![p.id] = runs;
  }
  log(`ours: ${name} done`);
}
await optunaDone;
const optuna: Record<string, Trace[]> = {};
for (const f of optunaFiles) for (const [pid, bySeed] of Object.entries(JSON.parse(readFileSync(f, 'utf8')) as Record<string, Record<string, Trace>>)) optuna[pid] = SEEDS.map((s) => bySeed[String(s)]!);

log(`ask() speed at ${ASK_N} trials`);
const askMakers: Record<string, () => Sampler> = {
  'default (AutoSampler)': () => new AutoSampler(),
  'TPESampler (independent)': () => new TPESampler(),
  'TPESampler (multivariate)': () => new TPESampler({ multivariate: true }),
};
await askTimes(() => new TPESampler(), 300); // JIT warm-up
const askOurs: Record<string, AskSummary> = {};
for (const [name, make] of Object.entries(askMakers)) askOurs[name] = summarise(await askTimes(make, ASK_N));
const optAskFile = join(work, 'tuning-optuna-ask.json');
await python(['ask', String(ASK_N), optAskFile], 'ask');
const askOptuna = summarise(JSON.parse(readFileSync(optAskFile, 'utf8')) as AskTimes);
// Re-measure our TPE after Optuna so a change in machine load shows up as a spread, not a bias.
askOurs['TPESampler (independent), re-measured after Optuna'] = summarise(await askTimes(() => new TPESampler(), ASK_N));
log('ask() done');

const quality = { seconds: (Date.now() - started) / 1000, seeds: SEEDS, budget: BUDGET, problems: PROBLEMS.map((p) => ({ id: p.id, objectives: p.objectives, optimum: p.optimum })), ours, optuna };
writeFileSync(join(results, 'tuning-quality.json'), JSON.stringify(quality));
const ask = { nTrials: ASK_N, ours: askOurs, optunaTpe: askOptuna };
writeFileSync(join(results, 'tuning-ask.json'), JSON.stringify(ask, null, 2));
writeReport(quality, ask, join(results, 'tuning.md'), (Date.now() - started) / 1000);
log('wrote bench/results/tuning.md');
