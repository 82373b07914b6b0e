/**
 * Pipeline orchestration overhead (issue 9), SQLite store, local executor:
 *  1. a 1,000-step chain of no-op in-process steps: "dependency returned" -> "dependent's run
 *     called" p50/p99 (both timed inside the steps), and the total;
 *  2. a 200-step chain of `true` commands: total over 200 and the bare cost of spawning the same
 *     `/bin/sh -c true` 200 times in a loop in the same run (the baseline); per-step overhead =
 *     (pipeline - bare) / 200, and the scheduler's done -> next running p50/p99;
 *  3. a 10,000-item map with parallelism 8 and a fan-in of every output: total, and the p50 of
 *     a run-list query while it runs next to the same query idle.
 * Usage: npx tsx bench/pipelines/run.ts [--quick]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadPipelineFile, PipelineScheduler, PipelineStore, type StepEvent } from '../../src/pipelines/index.js';
import { openDatabase } from '../../src/store/index.js';

const quick = process.argv.includes('--quick');
const N_FN = quick ? 200 : 1000;
const N_CMD = quick ? 50 : 200;
const N_MAP = quick ? 2000 : 10000;
const MOD = JSON.stringify(resolve('src/pipelines/index.ts'));

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'ty-bench-pipe-'));
  const db = await openDatabase(undefined, home);
  const store = new PipelineStore(db);
  const scheduler = new PipelineScheduler({ store, home, concurrency: 8 });
  const dir = join(home, 'project');
  mkdirSync(dir);

  // 1. in-process chain
  writeFileSync(join(dir, 'fn.ts'), `import { pipeline, defineStep } from ${MOD};
const g = globalThis as unknown as { __b: { start: number[]; end: number[] } };
g.__b ??= { start: [], end: [] };
const noop = defineStep({ id: 'b.noop', version: '1', outputs: {}, async run(i: { k: number }) { g.__b.start[i.k] = performance.now(); g.__b.end[i.k] = performance.now(); return {}; } });
const p = pipeline('bench-fn');
let prev: string | undefined;
for (let k = 0; k < ${N_FN}; k++) { const h = p.step('s' + k, noop({ k }), prev ? { after: [prev] } : {}); prev = h.name; }
export default p;`);
  const fnSpec = (await loadPipelineFile(join(dir, 'fn.ts'))).spec;
  const t0 = performance.now();
  const r1 = await scheduler.wait((await scheduler.submit(fnSpec, { cache: false })).id);
  const fnTotal = performance.now() - t0;
  const b = (globalThis as unknown as { __b: { start: number[]; end: number[] } }).__b;
  const gaps = b.start.slice(1).map((s, i) => s - b.end[i]!);

  // 2. command chain vs bare spawn loop
  const steps = Array.from({ length: N_CMD }, (_, k) => `  c${k}:\n    command: "true"\n${k ? `    after: [c${k - 1}]\n` : ''}`).join('');
  writeFileSync(join(dir, 'cmd.yaml'), `name: bench-cmd\nsteps:\n${steps}`);
  const cmdSpec = (await loadPipelineFile(join(dir, 'cmd.yaml'))).spec;
  const bare0 = performance.now();
  for (let k = 0; k < N_CMD; k++) await new Promise((res) => spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', '/bin/sh', '-c', 'true'], { stdio: 'ignore', detached: true }).once('close', res));
  const bare = performance.now() - bare0;
  const events: { step: string; status: string; t: number }[] = [];
  const onStep = (e: StepEvent) => events.push({ step: e.step, status: e.status, t: performance.now() });
  scheduler.on('step', onStep);
  const c0 = performance.now();
  const r2run = await scheduler.wait((await scheduler.submit(cmdSpec, { cache: false })).id);
  const cmdTotal = performance.now() - c0;
  scheduler.off('step', onStep);
  const doneAt = new Map(events.filter((e) => e.status === 'succeeded').map((e) => [e.step, e.t]));
  const cmdGaps = events.filter((e) => e.status === 'running' && e.step !== 'c0').map((e) => e.t - doneAt.get(`c${Number(e.step.slice(1)) - 1}`)!);

  // 3. 10,000-item map, parallelism 8, store responsiveness
  writeFileSync(join(dir, 'map.ts'), `import { pipeline, defineStep, value } from ${MOD};
const one = defineStep({ id: 'b.one', version: '1', outputs: { y: value<number>() }, async run(i: { x: number }) { return { y: i.x }; } });
const sum = defineStep({ id: 'b.sum', version: '1', outputs: { n: value<number>() }, async run(i: { ys: number[] }) { return { n: i.ys.length }; } });
const p = pipeline('bench-map');
const m = p.map('items', Array.from({ length: ${N_MAP} }, (_, i) => i), (x) => one({ x }), { parallelism: 8 });
p.step('fanin', sum({ ys: m.out.y }));
export default p;`);
  const mapSpec = (await loadPipelineFile(join(dir, 'map.ts'))).spec;
  const q = async () => {
    const s = performance.now();
    await store.listRuns({ limit: 50 });
    return performance.now() - s;
  };
  const idle: number[] = [];
  for (let i = 0; i < 50; i++) idle.push(await q());
  const m0 = performance.now();
  const mapRun = await scheduler.submit(mapSpec, { cache: false });
  const busy: number[] = [];
  let mapDone = false;
  const waiting = scheduler.wait(mapRun.id).then((r) => ((mapDone = true), r));
  while (!mapDone) {
    busy.push(await q());
    await new Promise((r) => setTimeout(r, 20));
  }
  const r3 = await waiting;
  const mapTotal = performance.now() - m0;
  const fanin = (await store.step(mapRun.id, 'fanin', -1))!.outputs!.n;

  const result = {
    machine: '2 shared cores, SQLite store, local executor',
    inProcessChain: { steps: N_FN, status: r1.status, p50_ms: r2(pct(gaps, 50)), p99_ms: r2(pct(gaps, 99)), total_ms: Math.round(fnTotal) },
    commandChain: { steps: N_CMD, status: r2run.status, total_ms: Math.round(cmdTotal), bare_spawn_loop_ms: Math.round(bare), overhead_per_step_ms: r2((cmdTotal - bare) / N_CMD), done_to_next_running_p50_ms: r2(pct(cmdGaps, 50)), done_to_next_running_p99_ms: r2(pct(cmdGaps, 99)) },
    map: { items: N_MAP, parallelism: 8, status: r3.status, fanin_saw: fanin, total_ms: Math.round(mapTotal), list_runs_p50_idle_ms: r2(pct(idle, 50)), list_runs_p50_during_map_ms: r2(pct(busy, 50)) },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/pipelines.json', JSON.stringify(result, null, 2) + '\n');
  const md = `# Pipelines orchestration overhead\n\n${result.machine}. \`npx tsx bench/pipelines/run.ts\`\n\n| Benchmark | Figure | Same-run baseline |\n|---|---|---|\n| ${N_FN}-step chain of no-op in-process steps: dependency returned -> dependent started | p50 ${result.inProcessChain.p50_ms} ms, p99 ${result.inProcessChain.p99_ms} ms, total ${result.inProcessChain.total_ms} ms | target p50 <= 2 ms |\n| ${N_CMD}-step chain of \`true\` commands | total ${result.commandChain.total_ms} ms = ${r2(result.commandChain.total_ms / N_CMD)} ms/step; done -> next running p50 ${result.commandChain.done_to_next_running_p50_ms} ms, p99 ${result.commandChain.done_to_next_running_p99_ms} ms | bare spawn loop ${result.commandChain.bare_spawn_loop_ms} ms = ${r2(result.commandChain.bare_spawn_loop_ms / N_CMD)} ms/step; overhead ${result.commandChain.overhead_per_step_ms} ms/step (target <= 10) |\n| ${N_MAP}-item map, parallelism 8, fan-in | total ${result.map.total_ms} ms, fan-in saw ${fanin} outputs; run-list p50 during the map ${result.map.list_runs_p50_during_map_ms} ms | run-list p50 idle ${result.map.list_runs_p50_idle_ms} ms |\n`;
  writeFileSync('bench/results/pipelines.md', md);
  console.log(md);
  await scheduler.close();
  await db.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
