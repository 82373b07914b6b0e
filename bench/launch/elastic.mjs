// Elastic recovery benchmark: two nodes (separate launcher processes on this machine, 1 gloo
// worker each, --nnodes 1:2); the second node is killed with -9 (launcher and workers), and we
// time kill -> the survivor's first training step in the re-formed group. Trainyard's node
// launchers (rendezvous in a trainyard server) next to two plain torchrun agents with the c10d
// rendezvous (torchrun-compat.py), same run, same worker script. A third case times a clean
// leave: SIGTERM of the second node's launcher, which tells the rendezvous it leaves, so the
// survivor re-forms without waiting for --node-timeout (the kill -9 case is its baseline).
// Usage: node bench/launch/elastic.mjs [reps] [trainyard --node-timeout s]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PY = '/usr/bin/python3';
const reps = Number(process.argv[2] ?? 3);
const nodeTimeout = String(process.argv[3] ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const worker = join(here, 'worker.py');

function steps(dir, rank) {
  const f = join(dir, `rank-${rank}.steps`);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => { const [a, t, s] = l.split(' '); return { attempt: +a, t: +t * 1000, step: +s }; });
}

const freePort = () => new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });

function proc(file, args, env) {
  // Its own process group: "the node" is the launcher and everything under it.
  const child = spawn(file, args, { env: { ...process.env, OMP_NUM_THREADS: '1', TRAINYARD_URI: '', ...env }, stdio: 'ignore', detached: true });
  const exited = new Promise((r) => child.once('exit', (c) => r(c)));
  return { child, exited, kill: () => { try { process.kill(-child.pid, 'SIGKILL'); } catch {} }, term: () => { try { process.kill(child.pid, 'SIGTERM'); } catch {} } };
}

async function startServer(home) {
  const child = spawn(process.execPath, [join(root, 'bin', 'trainyard.js'), 'server', '--port', '0'], { env: { ...process.env, TRAINYARD_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise((r) => { const on = (d) => { out += d; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) r(m[1]); }; child.stdout.on('data', on); child.stderr.on('data', on); });
  return { url, child };
}

async function run(kind, server) {
  const dir = mkdtempSync(join(tmpdir(), `be-${kind}-`));
  const wargs = ['--steps', '100000', '--step-ms', '10'];
  let nodes;
  const job = `bench-${Date.now()}`;
  const leave = kind === 'trainyard-leave';
  if (kind.startsWith('trainyard')) {
    const node = (name) => proc(process.execPath, [join(root, 'bin', 'trainyard.js'), 'node', 'join', '--server', server.url, '--job-id', job, '--node-name', name, '--nnodes', '1:2', '--last-call', '5', '--node-timeout', nodeTimeout, '--addr', '127.0.0.1', '--python', PY, worker, ...wargs], { BENCH_DIR: dir, TRAINYARD_HOME: join(dir, 'home') });
    nodes = [node('a')];
    await sleep(500);
    nodes.push(node('b'));
  } else {
    const port = await freePort();
    const agent = () => proc(PY, [join(here, 'torchrun-compat.py'), '--nnodes', '1:2', '--nproc_per_node', '1', '--max_restarts', '3', '--monitor_interval', '1', '--rdzv_backend', 'c10d', '--rdzv_endpoint', `127.0.0.1:${port}`, '--rdzv_id', 'bench', '--rdzv_conf', 'last_call_timeout=5', worker, ...wargs], { BENCH_DIR: dir });
    nodes = [agent()];
    await sleep(500);
    nodes.push(agent());
  }
  try {
    const until = Date.now() + 120_000;
    while (steps(dir, 1).length < 30 || steps(dir, 0).length < 30) {
      if (Date.now() > until) throw new Error(`${kind}: the two-node group never trained`);
      await sleep(50);
    }
    const killedAt = Date.now();
    if (leave) nodes[1].term();
    else nodes[1].kill();
    for (;;) {
      // A leave uses no restart (the attempt stays 0): the survivor's new worker starts at step 0.
      const again = steps(dir, 0).find((s) => s.t >= killedAt && (leave ? s.step === 0 : s.attempt >= 1));
      if (again && leave) {
        // Also when the rendezvous fixed the new round: the rest is starting Python and torch again.
        const { rendezvous } = await (await fetch(`${server.url}/api/v1/rendezvous/${job}`)).json();
        const formed = rendezvous.history.find((h) => h.kind === 'round' && h.at >= killedAt);
        results['trainyard-leave-formed'].push(Math.round(formed.at - killedAt));
      }
      if (again) return Math.round(again.t - killedAt);
      if (Date.now() > killedAt + 120_000) throw new Error(`${kind}: the survivor never trained again`);
      await sleep(50);
    }
  } finally {
    for (const n of nodes) n.kill();
  }
}

const home = mkdtempSync(join(tmpdir(), 'be-server-'));
const server = await startServer(home);
const results = { trainyard: [], torchrun: [], 'trainyard-leave': [], 'trainyard-leave-formed': [] };
const kinds = ['trainyard', 'torchrun', 'trainyard-leave'];
try {
  // Interleaved, each repetition in a rotated order, so load drifts hit every case alike.
  for (let i = 0; i < reps; i++) for (const kind of [...kinds.slice(i % 3), ...kinds.slice(0, i % 3)]) results[kind].push(await run(kind, server));
} finally {
  server.child.kill('SIGKILL');
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'launch-elastic.json'), JSON.stringify({ date: new Date().toISOString(), reps, node_timeout_s: Number(nodeTimeout), results }, null, 2) + '\n');
console.log(`| node kill -9 -> survivor training again (ms, trainyard --node-timeout ${nodeTimeout}) | trainyard | torchrun c10d |\n|---|---|---|`);
const fmt = (xs) => `${Math.round(median(xs))} [${xs.map(Math.round).join(" ")}]`;
console.log(`| median [runs] | ${fmt(results.trainyard)} | ${fmt(results.torchrun)} |`);
console.log(`\n| SIGTERM of node b's launcher (clean leave) -> survivor training again (ms) | trainyard |\n|---|---|`);
console.log(`| median [runs] | ${fmt(results['trainyard-leave'])} (${(median(results['trainyard-leave']) / median(results.trainyard)).toFixed(2)}x the kill -9 case) |`);
console.log(`| SIGTERM -> new round fixed by the rendezvous (ms) | ${fmt(results['trainyard-leave-formed'])} |`);
console.log(`load average: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
