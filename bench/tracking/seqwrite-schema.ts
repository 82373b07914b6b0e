/**
 * One sequential, audited log-metric on SQLite before and after migration 019 (issue 14),
 * in-process: `npx tsx bench/tracking/seqwrite-schema.ts [--ops N] [--reps N]
 * [--variant name='SQL; SQL']`. Each variant is its own database file (the "before" one migrated
 * without 019), written in interleaved blocks of N writes through the tracking service inside an
 * audit scope, as over HTTP. Reported per write: process CPU (user + system) and wall µs, and WAL
 * frames per commit (4 kB pages written). Timed blocks keep the server's checkpointing; the frames are
 * counted in one more block with checkpoints off. A `--variant` applies extra SQL after all migrations,
 * to try a schema idea beside the others.
 */
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInAuditScope, withAudit, type AuditScope } from '../../src/audit/index.js';
import { createDatabase, migrate, MIGRATIONS, type Database } from '../../src/store/index.js';
import { createTracking } from '../../src/tracking/index.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt);
const ops = arg('--ops', 1000);
const reps = arg('--reps', 5);
const extra = argv.flatMap((a, i) => (argv[i - 1] === '--variant' ? [a] : []));

interface Variant {
  name: string;
  file: string;
  db: Database;
  write: () => Promise<void>;
  cpu: number[];
  wall: number[];
  frames: number[];
}

async function open(home: string, name: string, before: boolean, sql?: string): Promise<Variant> {
  const file = join(home, `${name}.db`);
  const inner = createDatabase(file, home);
  await migrate(inner, before ? MIGRATIONS.filter((m) => m.version < 19) : MIGRATIONS);
  if (sql) await inner.exec(sql);
  const db = withAudit(inner);
  const tracking = createTracking(db);
  const exp = await tracking.experiments.create('pages', undefined, []);
  const run = (await tracking.runs.create({ experimentId: exp })).info.run_id;
  let step = 0;
  const scope = (): AuditScope => ({
    user: 'bench', verified: false, action: 'POST /api/2.0/mlflow/runs/log-metric', requestId: `${name}-${step}-${Math.random().toString(36).slice(2)}`,
    rule: { resource: 'run', level: 'EDIT' }, fields: { run_id: run }, closed: false,
  });
  const write = () => runInAuditScope(scope(), () => tracking.runs.logMetric(run, { key: 'loss', value: 1 / (step + 1), timestamp: 1_767_000_000_000 + step, step: step++ }));
  return { name, file, db, write, cpu: [], wall: [], frames: [] };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'ty-seqwrite-'));
  const variants = [await open(home, 'before-019', true), await open(home, 'with-019', false)];
  for (const v of extra) {
    const eq = v.indexOf('=');
    variants.push(await open(home, v.slice(0, eq), false, v.slice(eq + 1)));
  }
  const load0 = loadavg();
  for (const v of variants) for (let i = 0; i < 300; i++) await v.write(); // warm: statements prepared, tables non-empty
  // Timed blocks run with the server's pragmas (autocheckpoint every 1,000 WAL pages: the
  // checkpoint's fsync writes every frame out, so frames cost wall time there, on the event loop).
  for (let rep = 0; rep < reps; rep++) {
    const order = variants.map((_v, i) => variants[(i + rep) % variants.length]!);
    for (const v of order) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < ops; i++) await v.write();
      const wall = Number(process.hrtime.bigint() - t0) / 1e3 / ops;
      const c = process.cpuUsage(c0);
      v.cpu.push(Math.round((c.user + c.system) / ops));
      v.wall.push(Math.round(wall));
    }
  }
  // Frames per commit: a block with checkpoints off, the WAL's growth divided by the writes.
  for (const v of variants) {
    await v.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    await v.db.exec('PRAGMA wal_autocheckpoint = 0');
    const wal0 = statSync(`${v.file}-wal`).size;
    for (let i = 0; i < ops; i++) await v.write();
    v.frames.push(Math.round(((statSync(`${v.file}-wal`).size - wal0) / (4096 + 24) / ops) * 10) / 10);
  }
  const load1 = loadavg();
  const base = variants[0]!;
  console.log(`seqwrite-schema: ${ops} audited log-metric writes x ${reps} interleaved blocks per variant; load average ${load0.map((l) => l.toFixed(2)).join(' ')} -> ${load1.map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| variant | CPU µs/write (median; blocks) | wall µs/write (median; blocks) | WAL frames/commit | CPU / wall vs before-019 |');
  console.log('|---|---|---|---|---|');
  for (const v of variants) {
    console.log(`| ${v.name} | ${median(v.cpu)} (${v.cpu.join(', ')}) | ${median(v.wall)} (${v.wall.join(', ')}) | ${v.frames[0]} | ${(median(v.cpu) / median(base.cpu)).toFixed(2)} / ${(median(v.wall) / median(base.wall)).toFixed(2)} |`);
  }
  for (const v of variants) await v.db.close();
  rmSync(home, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
