// Launch benchmark: `trainyard launch` next to plain torchrun (torchrun-compat.py) in the same run,
// same worker script, 2 workers, gloo on loopback. Usage: node bench/launch/run.mjs [reps]
// Writes bench/results/launch.json and prints a Markdown table.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PY = '/usr/bin/python3';
const reps = Number(process.argv[2] ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function steps(dir, rank) {
  const f = join(dir, `rank-${rank}.steps`);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => { const [a, t, s] = l.split(' '); return { attempt: +a, t: +t * 1000, step: +s }; });
}

function start(kind, dir, workerArgs, opts = {}) {
  const env = { ...process.env, BENCH_DIR: dir, TRAINYARD_HOME: join(dir, 'home'), TRAINYARD_URI: '', OMP_NUM_THREADS: '1' };
  const worker = join(here, 'worker.py');
  const args = kind === 'trainyard'
    ? [join(root, 'bin', 'trainyard.js'), 'launch', '--nproc-per-node', '2', '--max-restarts', String(opts.restarts ?? 0), '--python', PY, ...(opts.stall ? ['--stall-timeout', String(opts.stall)] : []), worker, ...workerArgs]
    : [join(here, 'torchrun-compat.py'), '--nproc_per_node', '2', '--max_restarts', String(opts.restarts ?? 0), '--monitor_interval', '1', '--rdzv_backend', 'c10d', '--rdzv_endpoint', '127.0.0.1:0', ...(opts.logs ? ['--log_dir', join(dir, 'tr-logs'), '--redirects', '3'] : []), worker, ...workerArgs];
  const t0 = Date.now();
  const child = spawn(kind === 'trainyard' ? process.execPath : PY, args, { env, stdio: ['ignore', opts.logs && kind === 'torchrun' ? 'ignore' : 'ignore', 'ignore'] });
  const exited = new Promise((r) => child.once('exit', (c) => r(c)));
  return { t0, child, exited };
}

async function startup(kind) {
  const dir = mkdtempSync(join(tmpdir(), `bl-${kind}-`));
  const p = start(kind, dir, ['--steps', '3', '--step-ms', '1']);
  await p.exited;
  return Math.max(...[0, 1].map((r) => steps(dir, r)[0].t)) - p.t0;
}

async function recovery(kind) {
  const dir = mkdtempSync(join(tmpdir(), `bl-${kind}-`));
  const p = start(kind, dir, ['--steps', '400', '--step-ms', '10'], { restarts: 1 });
  while (steps(dir, 1).length < 30) await sleep(50);
  const pid = Number(readFileSync(`/proc/${p.child.pid}/task/${p.child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  // kill the newest worker process with RANK=1
  const pids = (await import('node:fs')).readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
    try { const env = readFileSync(`/proc/${e}/environ`, 'utf8'); return env.includes(`BENCH_DIR=${dir}\0`) && env.includes('\0RANK=1\0') && env.includes('LOCAL_RANK=1'); } catch { return false; }
  });
  void pid;
  const killedAt = Date.now();
  for (const x of pids) try { process.kill(Number(x), 'SIGKILL'); } catch {}
  await p.exited;
  const again = Math.min(...[0, 1].map((r) => (steps(dir, r).find((s) => s.attempt === 1) ?? { t: Infinity }).t));
  return again - killedAt;
}

async function hang(kind, stall) {
  const dir = mkdtempSync(join(tmpdir(), `bl-${kind}-`));
  const p = start(kind, dir, ['--steps', '60', '--step-ms', '5', '--hang-rank', '1', '--hang-step', '20', '--gloo-timeout', kind === 'torchrun' ? '10' : '1800'], { restarts: 1, stall });
  await p.exited;
  const lastBefore = Math.max(...steps(dir, 1).filter((s) => s.attempt === 0).map((s) => s.t));
  const again = Math.min(...[0, 1].map((r) => (steps(dir, r).find((s) => s.attempt === 1) ?? { t: Infinity }).t));
  return again - lastBefore;
}

async function perStep(kind) {
  const dir = mkdtempSync(join(tmpdir(), `bl-${kind}-`));
  const p = start(kind, dir, ['--steps', '300', '--step-ms', '2']);
  await p.exited;
  const s = steps(dir, 0).slice(50);
  return (s[s.length - 1].t - s[0].t) / (s.length - 1);
}

async function logs(kind) {
  const dir = mkdtempSync(join(tmpdir(), `bl-${kind}-`));
  const p = start(kind, dir, ['--steps', '1', '--print-lines', '200000'], { logs: true });
  await p.exited;
  return Date.now() - p.t0;
}

const results = {};
const cases = [
  ['command -> all ranks first step (ms)', startup],
  ['worker kill -9 -> training again (ms)', recovery],
  ['hang -> training again (ms; trainyard stall 3 s, torchrun gloo timeout 10 s)', (k) => hang(k, 3)],
  ['per-step time, 2 ms compute + all-reduce (ms)', perStep],
  ['200k log lines per rank, whole job (ms)', logs],
];
for (const [name, fn] of cases) {
  results[name] = { trainyard: [], torchrun: [] };
  for (let i = 0; i < reps; i++) {
    for (const kind of i % 2 ? ['torchrun', 'trainyard'] : ['trainyard', 'torchrun']) results[name][kind].push(await fn(kind));
  }
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'launch.json'), JSON.stringify({ date: new Date().toISOString(), reps, results }, null, 2) + '\n');
console.log('| measure | trainyard launch (median) | torchrun (median) |\n|---|---|---|');
for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${median(r.trainyard).toFixed(1)} | ${median(r.torchrun).toFixed(1)} |`);
