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
  } finally {
    await server.stop();
    await pool.stop();
    await db.drop();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const t = self.get(n.id) ?? 0;
    total += t;
    const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/dist\//, 'dist/')}:${n.callFrame.lineNumber}`;
    byFn.set(name, (byFn.get(name) ?? 0) + t);
  }
  const idle = [...byFn].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  console.log(`profile ${file}: total ${(total / 1e3).toFixed(0)} ms, busy ${((total - idle) / 1e3).toFixed(0)} ms`);
  for (const [k, v] of [...byFn].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${((100 * v) / (total - idle)).toFixed(1).padStart(5)}%  ${k}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
