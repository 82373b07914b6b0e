/**
 * Pipeline orchestration overhead (issue 9), local executor, on SQLite and on PostgreSQL (a fresh
 * database on TRAINYARD_BENCH_PG_URL, default the test server), each dialect in the same run:
 *  1. a 1,000-step chain of no-op in-process steps: "dependency returned" -> "dependent's run
 *     called" p50/p99 (both timed inside the steps), and the total;
 *  2. a 200-step chain of `true` commands: total over 200 and the bare cost of spawning the same
 *     `/bin/sh -c true` 200 times in a loop in the same run (the baseline); per-step overhead =
 *     (pipeline - bare) / 200, and the scheduler's done -> next running p50/p99;
 *  3. a 10,000-item map with parallelism 8 and a fan-in of every output: total, and the p50 of
 *     a run-list query while it runs next to the same query idle;
 *  4. transition cost as history grows: a 50-step in-process chain's done -> dependent-started
 *     p50/p99 (3 runs pooled) on a fresh store (the baseline), then again after 1,000 more runs
 *     are in the store.
 * Beside them, each store's bare commit: a single-row UPDATE's round trip (p50), since a
 * dependency edge into a command step costs one commit (the step's end carries the dependent's
 * start), an in-process step's edge waits on one (its start commits while it runs).
 * Usage: npx tsx bench/pipelines/run.ts [--quick] [--no-postgres]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadPipelineFile, PipelineScheduler, PipelineStore, type PipelineSpec, type StepEvent } from '../../src/pipelines/index.js';
import { migrate, openDatabase } from '../../src/store/index.js';
import { createBenchDatabase, type Dialect } from '../tracking/databases.js';

const quick = process.argv.includes('--quick');
const DIALECTS: Dialect[] = process.argv.includes('--no-postgres') ? ['sqlite'] : ['sqlite', 'postgres'];
const N_FN = quick ? 200 : 1000;
const N_CMD = quick ? 50 : 200;
const N_MAP = quick ? 2000 : 10000;
const N_HISTORY = quick ? 100 : 1000;
const N_PROBE = 50;
const PROBE_REPS = 3;
const MOD = JSON.stringify(resolve('src/pipelines/index.ts'));

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

type Probe = { start: number[]; end: number[] };
const g = globalThis as unknown as { __b: Probe };

/** A chain of `n` no-op in-process steps that time themselves (start/end of each run call). */
function chainFile(name: string, n: number): string {
  return `import { pipeline, defineStep } from ${MOD};
const g = globalThis as unknown as { __b: { start: number[]; end: number[] } };
const noop = defineStep({ id: 'b.noop', version: '1', outputs: {}, async run(i: { k: number }) { g.__b.start[i.k] = performance.now(); g.__b.end[i.k] = performance.now(); return {}; } });
const p = pipeline(${JSON.stringify(name)});
let prev: string | undefined;
for (let k = 0; k < ${n}; k++) { const h = p.step('s' + k, noop({ k }), prev ? { after: [prev] } : {}); prev = h.name; }
export default p;`;
}

/** Runs a self-timing chain; the gaps between one step's end and the next one's start. */
async function timedChain(scheduler: PipelineScheduler, spec: PipelineSpec): Promise<{ status: string; gaps: number[]; total: number }> {
  g.__b = { start: [], end: [] };
  const t0 = performance.now();
  const run = await scheduler.wait((await scheduler.submit(spec, { cache: false })).id);
  const total = performance.now() - t0;
  const b = g.__b;
  return { status: run.status, gaps: b.start.slice(1).map((s, i) => s - b.end[i]!), total };
}

async function benchDialect(dialect: Dialect, bareSpawnMs: number) {
  const bdb = await createBenchDatabase(dialect, 'pipelines');
  const db = await openDatabase(bdb.url, bdb.home);
  await migrate(db);
  const store = new PipelineStore(db);
  const scheduler = new PipelineScheduler({ store, home: bdb.home, concurrency: 8 });
  const dir = join(bdb.home, 'project');
  mkdirSync(dir, { recursive: true });
  try {
    // 4a. transition cost on a fresh store (the baseline for 4b)
    writeFileSync(join(dir, 'probe.ts'), chainFile('bench-probe', N_PROBE));
    const probeSpec = (await loadPipelineFile(join(dir, 'probe.ts'))).spec;
    await timedChain(scheduler, probeSpec); // warm the module import
    const fresh = await probeReps(scheduler, probeSpec);

    // 4b. the same after N_HISTORY more runs (3 steps each) are in the store
    writeFileSync(join(dir, 'filler.ts'), chainFile('bench-filler', 3));
    const fillerSpec = (await loadPipelineFile(join(dir, 'filler.ts'))).spec;
    g.__b = { start: [], end: [] };
    const h0 = performance.now();
    for (let done = 0; done < N_HISTORY; done += 10) {
      const ids = await Promise.all(Array.from({ length: Math.min(10, N_HISTORY - done) }, async () => (await scheduler.submit(fillerSpec, { cache: false })).id));
      await Promise.all(ids.map((id) => scheduler.wait(id)));
    }
    const historyMs = performance.now() - h0;
    const aged = await probeReps(scheduler, probeSpec);
    const bareCommit = await bareCommitMs(db);

    // 1. in-process chain
    writeFileSync(join(dir, 'fn.ts'), chainFile('bench-fn', N_FN));
    const fnSpec = (await loadPipelineFile(join(dir, 'fn.ts'))).spec;
    const fn = await timedChain(scheduler, fnSpec);

    // 2. command chain (the bare spawn loop ran just before, in this process)
    const steps = Array.from({ length: N_CMD }, (_, k) => `  c${k}:\n    command: "true"\n${k ? `    after: [c${k - 1}]\n` : ''}`).join('');
    writeFileSync(join(dir, 'cmd.yaml'), `name: bench-cmd\nsteps:\n${steps}`);
    const cmdSpec = (await loadPipelineFile(join(dir, 'cmd.yaml'))).spec;
    const events: { step: string; status: string; t: number }[] = [];
    const onStep = (e: StepEvent) => events.push({ step: e.step, status: e.status, t: performance.now() });
    scheduler.on('step', onStep);
    const c0 = performance.now();
    const cmdRun = await scheduler.wait((await scheduler.submit(cmdSpec, { cache: false })).id);
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
    const mapFinal = await waiting;
    const mapTotal = performance.now() - m0;
    const fanin = (await store.step(mapRun.id, 'fanin', -1))!.outputs!.n;

    return {
      inProcessChain: { steps: N_FN, status: fn.status, p50_ms: r2(pct(fn.gaps, 50)), p99_ms: r2(pct(fn.gaps, 99)), total_ms: Math.round(fn.total) },
      commandChain: { steps: N_CMD, status: cmdRun.status, total_ms: Math.round(cmdTotal), bare_spawn_loop_ms: Math.round(bareSpawnMs), overhead_per_step_ms: r2((cmdTotal - bareSpawnMs) / N_CMD), done_to_next_running_p50_ms: r2(pct(cmdGaps, 50)), done_to_next_running_p99_ms: r2(pct(cmdGaps, 99)) },
      map: { items: N_MAP, parallelism: 8, status: mapFinal.status, fanin_saw: fanin, total_ms: Math.round(mapTotal), list_runs_p50_idle_ms: r2(pct(idle, 50)), list_runs_p50_during_map_ms: r2(pct(busy, 50)) },
      bare_commit: { p50_ms: r2(pct(bareCommit, 50)), p99_ms: r2(pct(bareCommit, 99)) },
      history: {
        probe_steps: N_PROBE, runs_added: N_HISTORY, filling_ms: Math.round(historyMs),
        fresh: { status: fresh.status, p50_ms: r2(pct(fresh.gaps, 50)), p99_ms: r2(pct(fresh.gaps, 99)), total_ms: r2(fresh.total) },
        after_history: { status: aged.status, p50_ms: r2(pct(aged.gaps, 50)), p99_ms: r2(pct(aged.gaps, 99)), total_ms: r2(aged.total) },
      },
    };
  } finally {
    await scheduler.close();
    await db.close();
    await bdb.drop();
  }
}

/** The probe chain PROBE_REPS times: gaps pooled, the median run time. */
async function probeReps(scheduler: PipelineScheduler, spec: PipelineSpec): Promise<{ status: string; gaps: number[]; total: number }> {
  const reps = [];
  for (let i = 0; i < PROBE_REPS; i++) reps.push(await timedChain(scheduler, spec));
  return { status: reps.every((r) => r.status === 'succeeded') ? 'succeeded' : 'failed', gaps: reps.flatMap((r) => r.gaps), total: pct(reps.map((r) => r.total), 50) };
}

/** The store's floor: a single-row UPDATE of a step row, committed, 200 times. */
async function bareCommitMs(db: Awaited<ReturnType<typeof openDatabase>>): Promise<number[]> {
  const now = Date.now();
  await db.run("INSERT INTO pipeline_runs (id, pipeline, status, params, spec, definition_hash, code_hash, executor, use_cache, owner, owner_heartbeat, created_at, started_at) VALUES ('bench-bare', 'bare', 'succeeded', '{}', '{}', 'd', 'c', 'local', 0, NULL, ?, ?, ?)", [now, now, now]);
  await db.run("INSERT INTO pipeline_steps (run_id, step, item, status, attempt) VALUES ('bench-bare', 's', -1, 'pending', 0)");
  const xs: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await db.run("UPDATE pipeline_steps SET status = ?, attempt = ? WHERE run_id = 'bench-bare' AND step = 's' AND item = -1", [i % 2 ? 'running' : 'pending', i]);
    xs.push(performance.now() - t);
  }
  return xs;
}

async function bareSpawnLoop(n: number): Promise<number> {
  const t0 = performance.now();
  for (let k = 0; k < n; k++) await new Promise((res) => spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', '/bin/sh', '-c', 'true'], { stdio: 'ignore', detached: true }).once('close', res));
  return performance.now() - t0;
}

function table(results: Record<string, Awaited<ReturnType<typeof benchDialect>>>): string {
  const rows: string[] = [];
  for (const [d, r] of Object.entries(results)) {
    rows.push(`| ${d} | ${r.inProcessChain.steps}-step chain of no-op in-process steps: dependency returned -> dependent started | p50 ${r.inProcessChain.p50_ms} ms, p99 ${r.inProcessChain.p99_ms} ms, total ${r.inProcessChain.total_ms} ms | target p50 <= 2 ms |`);
    rows.push(`| ${d} | ${r.commandChain.steps}-step chain of \`true\` commands | ${r2(r.commandChain.total_ms / r.commandChain.steps)} ms/step (total ${r.commandChain.total_ms} ms); done -> next running p50 ${r.commandChain.done_to_next_running_p50_ms} ms, p99 ${r.commandChain.done_to_next_running_p99_ms} ms | bare spawn loop ${r2(r.commandChain.bare_spawn_loop_ms / r.commandChain.steps)} ms/step: overhead ${r.commandChain.overhead_per_step_ms} ms/step (target <= 10) |`);
    rows.push(`| ${d} | ${r.map.items}-item map, parallelism 8, fan-in | ${r.map.total_ms} ms, fan-in saw ${r.map.fanin_saw} outputs; run-list p50 during the map ${r.map.list_runs_p50_during_map_ms} ms | run-list p50 idle ${r.map.list_runs_p50_idle_ms} ms |`);
    rows.push(`| ${d} | ${r.history.probe_steps}-step chain (${PROBE_REPS} runs pooled) after ${r.history.runs_added} more runs in the store: done -> dependent started | p50 ${r.history.after_history.p50_ms} ms, p99 ${r.history.after_history.p99_ms} ms, run ${r.history.after_history.total_ms} ms | same chain on the fresh store: p50 ${r.history.fresh.p50_ms} ms, p99 ${r.history.fresh.p99_ms} ms, run ${r.history.fresh.total_ms} ms |`);
    rows.push(`| ${d} | the store's bare commit (single-row UPDATE of a step row) | p50 ${r.bare_commit.p50_ms} ms, p99 ${r.bare_commit.p99_ms} ms | an edge into a command step costs 1 such commit (the step's end carries the dependent's start) |`);
  }
  return `| Store | Benchmark | Figure | Same-run baseline |\n|---|---|---|---|\n${rows.join('\n')}\n`;
}

async function main() {
  const bare = await bareSpawnLoop(N_CMD);
  const results: Record<string, Awaited<ReturnType<typeof benchDialect>>> = {};
  for (const d of DIALECTS) results[d] = await benchDialect(d, bare);
  const result = { machine: '2 shared cores, local executor; PostgreSQL on loopback', at: new Date().toISOString(), quick, ...results };
  console.log(JSON.stringify(result, null, 2));
  const md = `# Pipelines orchestration overhead\n\n${result.machine}. \`npx tsx bench/pipelines/run.ts\` (${result.at})\n\n${table(results)}`;
  console.log(md);
  if (quick) return; // quick runs do not overwrite the recorded figures
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/pipelines.json', JSON.stringify(result, null, 2) + '\n');
  writeFileSync('bench/results/pipelines.md', md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
