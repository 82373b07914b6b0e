/**
 * Server CPU profile under one ingest load (issue 14): `npx tsx bench/tracking/profile-ingest.ts
 * [sqlite|postgres] [batch|batch-binary|metric|health] [clients] [seconds] [steps]`. Starts the server with --cpu-prof, drives
 * the load, stops it and prints the top self-time functions of the profile (bench/.work/prof).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createBenchDatabase, WORK_DIR, type Dialect } from './databases.js';
import { ClientPool } from './load.js';
import { startServer } from './server-process.js';

// [steps]: steps per key of a batch (10 keys; default 100, i.e. 1,000 points), e.g. 1000 for the
// binary format's 10,000-point batches (mode batch-binary).
const [dialect = 'sqlite', mode = 'batch', clients = '8', seconds = '6', steps = '100'] = process.argv.slice(2);

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }

/** Only the samples of the load window (the profile's last `seconds`, shutdown aside): start-up's module loading is not the request path. */
function loadWindow(prof: { samples: number[]; timeDeltas: number[] }, windowUs: number): boolean[] {
  const at: number[] = [];
  let t = 0;
  for (const d of prof.timeDeltas) at.push((t += d));
  const end = t - 150_000;
  return at.map((x) => x >= end - windowUs && x <= end);
}

let requests = 0;

async function main(): Promise<void> {
  const dir = join(WORK_DIR, 'prof');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = await createBenchDatabase(dialect as Dialect, `prof-${dialect}`);
  const pool = await ClientPool.start(Number(clients), { keys: 10, steps: Number(steps) });
  const server = await startServer({ home: db.home, db: db.url, cpuProfDir: dir });
  try {
    const r = await pool.run({ url: server.url, serverPid: server.pid, warmupMs: 1000, durationMs: Number(seconds) * 1000, mode: mode as 'batch', clients: Number(clients), keys: 10, steps: Number(steps) });
    console.log(JSON.stringify(r));
    requests = r.opsPerSec * Number(seconds);
  } finally {
    await server.stop();
    await pool.stop();
    await db.drop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const self = new Map<number, number>();
  const keep = loadWindow(prof, Number(seconds) * 1e6);
  prof.samples.forEach((id, i) => keep[i] && self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const t = self.get(n.id) ?? 0;
    total += t;
    const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/dist\//, 'dist/')}:${n.callFrame.lineNumber}`;
    byFn.set(name, (byFn.get(name) ?? 0) + t);
  }
  const idle = [...byFn].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  console.log(`profile ${file} (load window only): total ${(total / 1e3).toFixed(0)} ms, busy ${((total - idle) / 1e3).toFixed(0)} ms, ${requests ? ((total - idle) / requests).toFixed(0) : '?'} µs of main-thread busy time per request`);
  const top = Number(process.env.PROFILE_TOP ?? 40);
  for (const [k, v] of [...byFn].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * v) / (total - idle)).toFixed(1).padStart(5)}%  ${k}`);
  // Where the busy time goes by owner: our code (dist/, by file), each package, Node's JS, native calls (syscalls, SQLite, GC).
  const byOwner = new Map<string, number>();
  for (const [k, v] of byFn) {
    if (k.startsWith('(idle)')) continue;
    const where = k.slice(k.lastIndexOf(' ') + 1);
    const owner = where.startsWith('dist/') ? where.replace(/:\d+$/, '') : where.startsWith('nm/') ? where.split('/').slice(0, where.startsWith('nm/@') ? 3 : 2).join('/')
      : where.startsWith('node:') ? 'node (JS)' : `native ${k.slice(0, k.indexOf(' '))}`;
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + v);
  }
  // Inclusive time of our own functions (dist/, pg-protocol's dist aside): where a request's JS goes, callees included.
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const inclusive = new Map<string, number>();
  const walk = (n: Node, open: Set<string>): number => {
    let t = self.get(n.id) ?? 0;
    const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*\/dist\//, 'dist/')}:${n.callFrame.lineNumber}`;
    const ours = n.callFrame.url.includes('/dist/') && !n.callFrame.url.includes('node_modules') && !open.has(name);
    const inner = ours ? new Set(open).add(name) : open;
    for (const c of n.children ?? []) t += walk(byId.get(c)!, inner);
    if (ours) inclusive.set(name, (inclusive.get(name) ?? 0) + t);
    return t;
  };
  walk(prof.nodes[0]!, new Set());
  console.log('\nour functions, inclusive (µs per request):');
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(requests ? v / requests : 0).toFixed(1).padStart(7)} µs  ${k}`);
  console.log('\nby owner (µs per request, share of busy time):');
  for (const [k, v] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(requests ? v / requests : 0).toFixed(1).padStart(7)} µs ${((100 * v) / (total - idle)).toFixed(1).padStart(5)}%  ${k}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
