/**
 * @module `trainyard tune run FILE.ts`: K worker processes run FILE's default-exported objective
 * on one study (the sampler runs where the store is: in the server, or in each worker's embedded
 * store service) while this process draws the progress. Workers are separate processes so a CPU-
 * bound objective uses K cores and a crash takes down one worker, not the run.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Studies, type CreateStudyOptions, type Study } from '../../client/studies.js';
import type { Connection } from '../../client/connect.js';
import type { Objective } from '../../client/study-optimize.js';
import { ProgressLine, shortNumber, type Progress } from './tune-progress.js';

// How often the progress is refreshed: fast enough to feel live, one small read per tick.
const POLL_MS = 300;

export interface TuneRunOptions {
  trials: number;
  workers: number;
  study: CreateStudyOptions;
  json?: boolean;
}

/** Trials for worker i of k: the budget split as evenly as possible (12 over 5: 3,3,2,2,2). */
export function share(total: number, k: number, i: number): number {
  return Math.floor(total / k) + (i < total % k ? 1 : 0);
}

/** Imports FILE (TypeScript through tsx) and returns its default-exported objective. */
export async function loadObjective(file: string): Promise<Objective> {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`Objective file '${file}' does not exist.`);
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
  // Outside an ESM package tsx loads the file as CommonJS: `export default` is then `.default.default`.
  let fn = mod.default;
  if (fn && typeof fn === 'object' && typeof (fn as { default?: unknown }).default === 'function') fn = (fn as { default: unknown }).default;
  if (typeof fn !== 'function') throw new Error(`'${file}' must default-export the objective: export default async (trial) => { ...; return value; }`);
  return fn as Objective;
}

async function progressOf(study: Study, baseline: number, target: number): Promise<Progress> {
  const info = await study.refresh();
  const c = info.trial_counts;
  const finished = (c.COMPLETE ?? 0) + (c.PRUNED ?? 0) + (c.FAIL ?? 0);
  let best: string | null = null;
  if ((c.COMPLETE ?? 0) > 0) {
    if (study.directions.length === 1) {
      const t = await study.bestTrial();
      best = `${shortNumber(t.value!)} (trial ${t.number})`;
    } else {
      best = `${(await study.bestTrials()).length} on the Pareto front`;
    }
  }
  return { done: Math.max(0, finished - baseline), target, counts: c, best };
}

/** Runs the workers and the progress line; resolves the exit code (0 when every worker succeeded). */
export async function runTune(conn: Connection, file: string, opts: TuneRunOptions, uri: string | undefined): Promise<number> {
  if (!existsSync(resolve(file))) throw new Error(`Objective file '${file}' does not exist.`);
  const study = await new Studies(async () => conn).create({ ...opts.study, loadIfExists: true });
  const before = (await study.refresh()).trial_counts;
  const baseline = (before.COMPLETE ?? 0) + (before.PRUNED ?? 0) + (before.FAIL ?? 0);
  const line = new ProgressLine();
  const codes: Promise<number>[] = [];
  for (let i = 0; i < opts.workers; i++) {
    const n = share(opts.trials, opts.workers, i);
    if (n === 0) continue;
    const args = [process.argv[1]!, ...(uri ? ['--uri', uri] : []), 'tune', 'worker', resolve(file), '--study', study.name, '--trials', String(n)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const prefix = `[worker ${i + 1}] `;
    let pending = '';
    const relay = (d: Buffer) => {
      pending += d.toString();
      let at: number;
      while ((at = pending.indexOf('\n')) >= 0) {
        line.print(prefix + pending.slice(0, at));
        pending = pending.slice(at + 1);
      }
    };
    child.stdout!.on('data', relay);
    child.stderr!.on('data', relay);
    codes.push(new Promise((r) => child.once('exit', (code) => {
      if (pending) line.print(prefix + pending);
      r(code ?? 1);
    })));
  }
  let running = true;
  const all = Promise.all(codes).finally(() => (running = false));
  while (running) {
    line.update(await progressOf(study, baseline, opts.trials));
    await Promise.race([all, new Promise((r) => setTimeout(r, POLL_MS))]);
  }
  const final = await progressOf(study, baseline, opts.trials);
  line.update(final);
  line.end();
  const exit = (await all).find((c) => c !== 0) ?? 0;
  const summary = { study: study.name, trials: final.done, counts: final.counts, best: null as unknown };
  if ((final.counts.COMPLETE ?? 0) > 0 && study.directions.length === 1) {
    const t = await study.bestTrial();
    summary.best = { number: t.number, value: t.value, params: t.params };
  }
  if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else if (summary.best) {
    const b = summary.best as { number: number; value: number; params: unknown };
    process.stdout.write(`Best trial ${b.number}: value ${b.value}, params ${JSON.stringify(b.params)}\n`);
  } else process.stdout.write(`Study '${study.name}': ${final.done} trials, none COMPLETE.\n`);
  if (exit !== 0) process.stderr.write(`trainyard: error: a worker exited with code ${exit}; its output is above.\n`);
  return exit;
}
