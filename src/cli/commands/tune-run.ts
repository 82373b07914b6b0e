/**
 * @module `trainyard tune run FILE.ts`: K worker processes run FILE's default-exported objective
 * on one study (the sampler runs where the store is: in the server, or in each worker's embedded
 * store service) while this process draws the progress. Workers are separate processes so a CPU-
 * bound objective uses K cores and a crash takes down one worker, not the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Studies, type CreateStudyOptions, type Study } from '../../client/index.js';
import type { Connection } from '../../client/index.js';
import type { Objective } from '../../client/index.js';
import type { FrozenTrial } from '../../tuning/index.js';
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
  let mod: { default?: unknown };
  try {
    mod = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
  } catch (e) {
    throw syntaxError(e);
  }
  // Outside an ESM package tsx loads the file as CommonJS: `export default` is then `.default.default`.
  let fn = mod.default;
  if (fn && typeof fn === 'object' && typeof (fn as { default?: unknown }).default === 'function') fn = (fn as { default: unknown }).default;
  if (typeof fn !== 'function') throw new Error(`'${file}' must default-export the objective: export default async (trial) => { ...; return value; }`);
  return fn as Objective;
}

/**
 * esbuild (through tsx) reports a syntax error as "Transform failed with 1 error:" and the useful
 * part on the next line: keep that part, `FILE:LINE:COLUMN: ERROR: message`, as the one-line error.
 */
function syntaxError(e: unknown): unknown {
  const message = (e as Error)?.message ?? '';
  const located = /^Transform failed with \d+ errors?:\n(.+:\d+:\d+: .+)$/m.exec(message);
  return located ? new Error(`syntax error in the objective: ${located[1]!.replace(/: ERROR: /, ': ')}`) : e;
}

/** The first line of why a trial failed, as stored with it. */
function failReason(t: FrozenTrial): string {
  return String(t.systemAttrs.fail_reason ?? 'no reason recorded').split('\n')[0]!.slice(0, 300);
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
  // Loaded here once before any worker starts: a syntax error or a missing default export is one
  // error naming the file and line, not K workers' copies of it.
  await loadObjective(file);
  const study = await new Studies(async () => conn).create({ ...opts.study, loadIfExists: true });
  const earlier = new Set((await study.getTrials()).map((t) => t.number));
  const before = (await study.refresh()).trial_counts;
  const baseline = (before.COMPLETE ?? 0) + (before.PRUNED ?? 0) + (before.FAIL ?? 0);
  const line = new ProgressLine();
  const codes: Promise<number>[] = [];
  const children: ChildProcess[] = [];
  // Ctrl-C: stop the workers, then fail the trials they left RUNNING and say so (exit 130).
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) return;
    interrupted = true;
    line.print('Interrupted: stopping the workers...');
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    setTimeout(() => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')), 5_000).unref();
  };
  process.on('SIGINT', onSigint);
  // Each failed trial's reason is printed once, as it happens.
  const reported = new Set<number>();
  let failSeen = before.FAIL ?? 0;
  const reportFailures = async (counts: Record<string, number | undefined>) => {
    if ((counts.FAIL ?? 0) === failSeen) return;
    failSeen = counts.FAIL ?? 0;
    for (const t of await study.getTrials({ states: ['FAIL'] })) {
      if (earlier.has(t.number) || reported.has(t.number)) continue;
      reported.add(t.number);
      line.print(`trial ${t.number} FAIL: ${failReason(t)}`);
    }
  };
  for (let i = 0; i < opts.workers; i++) {
    const n = share(opts.trials, opts.workers, i);
    if (n === 0) continue;
    const args = [process.argv[1]!, ...(uri ? ['--uri', uri] : []), 'tune', 'worker', resolve(file), '--study', study.name, '--trials', String(n)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    children.push(child);
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
    const p = await progressOf(study, baseline, opts.trials);
    await reportFailures(p.counts);
    line.update(p);
    await Promise.race([all, new Promise((r) => setTimeout(r, POLL_MS))]);
  }
  let stopped = 0;
  if (interrupted) {
    for (const t of await study.getTrials({ states: ['RUNNING'] })) {
      if (earlier.has(t.number)) continue;
      await study.tell(t.number, { state: 'FAIL', failReason: 'stopped: trainyard tune run was interrupted (Ctrl-C)', skipIfFinished: true });
      stopped++;
    }
  }
  process.off('SIGINT', onSigint);
  const final = await progressOf(study, baseline, opts.trials);
  await reportFailures(final.counts);
  line.update(final);
  line.end();
  let exit = (await all).find((c) => c !== 0) ?? 0;
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
  if (interrupted) {
    process.stderr.write(`trainyard: interrupted: workers stopped; ${stopped} running trial(s) marked FAIL (stopped).\n`);
    return 130;
  }
  const succeeded = (final.counts.COMPLETE ?? 0) + (final.counts.PRUNED ?? 0) - (before.COMPLETE ?? 0) - (before.PRUNED ?? 0);
  if (final.done > 0 && succeeded === 0) {
    const first = [...reported].sort((a, b) => a - b)[0];
    const reason = first === undefined ? '' : ` (trial ${first}: ${failReason((await study.getTrials({ states: ['FAIL'] })).find((t) => t.number === first)!)})`;
    process.stderr.write(`trainyard: error: all ${final.done} trials failed${reason}; the reasons are above.\n`);
    exit ||= 1;
  } else if (exit !== 0) process.stderr.write(`trainyard: error: a worker exited with code ${exit}; its output is above.\n`);
  return exit;
}
