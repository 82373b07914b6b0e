/**
 * PostgreSQL metric group commit against its same-run baseline (issue 14):
 * `npx tsx bench/tracking/pg-group-commit.ts [--reps N] [--seconds S]` (~1 minute with 3 reps).
 * Two servers on two fresh databases, one with group commit (the default) and one with
 * TRAINYARD_METRIC_GROUP_COMMIT=off (one transaction per write, as before), measured in turns:
 * log-metric with 1 and 8 clients and log-batch of 1,000 points with 8 clients, plus GET /health.
 * Reports medians, and the server's CPU per request/point, which is the steadier figure on a
 * shared machine. Writes bench/results/pg-group-commit.{json,md}.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase } from './databases.js';
import { ClientPool, type LoadResult } from './load.js';
import { REPO, startServer } from './server-process.js';

const argv = process.argv.slice(2);
const arg = (n: string, d: number) => (argv.includes(n) ? Number(argv[argv.indexOf(n) + 1]) : d);
const reps = arg('--reps', 3);
const seconds = arg('--seconds', 2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

type Case = { name: string; mode: 'metric' | 'batch' | 'health'; clients: number; unit: 'req/s' | 'points/s' };
const CASES: Case[] = [
  { name: 'log-metric, 8 clients', mode: 'metric', clients: 8, unit: 'req/s' },
  { name: 'log-metric, sequential', mode: 'metric', clients: 1, unit: 'req/s' },
  { name: 'log-batch (1,000 points), 8 clients', mode: 'batch', clients: 8, unit: 'points/s' },
  { name: 'GET /health, 8 clients', mode: 'health', clients: 8, unit: 'req/s' },
];

async function main(): Promise<void> {
  const load0 = loadavg().map((x) => x.toFixed(2)).join(' ');
  const pool = await ClientPool.start(8);
  const dbs = { group: await createBenchDatabase('postgres', 'group-on'), single: await createBenchDatabase('postgres', 'group-off') };
  const servers = {
    group: await startServer({ home: dbs.group.home, db: dbs.group.url }),
    single: await startServer({ home: dbs.single.home, db: dbs.single.url, env: { TRAINYARD_METRIC_GROUP_COMMIT: 'off' } }),
  };
  const results: Record<string, Record<'group' | 'single', LoadResult[]>> = {};
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const c of CASES) {
        const r = (results[c.name] ??= { group: [], single: [] });
        for (const which of rep % 2 ? (['single', 'group'] as const) : (['group', 'single'] as const)) {
          const s = servers[which];
          r[which].push(await pool.run({ url: s.url, serverPid: s.pid, mode: c.mode, clients: c.clients, warmupMs: 500, durationMs: seconds * 1000 }));
        }
        const last = (w: 'group' | 'single') => (c.unit === 'points/s' ? r[w].at(-1)!.pointsPerSec : r[w].at(-1)!.opsPerSec);
        console.log(`rep ${rep + 1} ${c.name}: group ${last('group')} / one tx each ${last('single')} ${c.unit}`);
      }
    }
  } finally {
    await servers.group.stop();
    await servers.single.stop();
    await pool.stop();
    await dbs.group.drop();
    await dbs.single.drop();
  }
  const rows = CASES.map((c) => {
    const pick = (r: LoadResult) => (c.unit === 'points/s' ? r.pointsPerSec : r.opsPerSec);
    const sum = (w: 'group' | 'single') => {
      const xs = results[c.name]![w];
      const v = median(xs.map(pick));
      const mid = xs.find((x) => pick(x) === v)!;
      return { value: v, reps: xs.map(pick), serverUsPerUnit: mid.serverUsPerUnit, serverCpu: mid.serverCpu };
    };
    return { ...c, group: sum('group'), single: sum('single') };
  });
  const meta = { date: new Date().toISOString(), cpus: cpus().length, node: process.version, reps, seconds, loadStart: load0, loadEnd: loadavg().map((x) => x.toFixed(2)).join(' ') };
  writeFileSync(join(REPO, 'bench', 'results', 'pg-group-commit.json'), JSON.stringify({ meta, rows }, null, 2) + '\n');
  const unitCpu = (c: Case) => (c.unit === 'points/s' ? 'µs CPU/point' : 'µs CPU/request');
  const md = [
    '# PostgreSQL metric group commit (issue 14)',
    '',
    `Run ${meta.date} on ${meta.cpus} CPUs, Node ${meta.node}; load average ${meta.loadStart} at start, ${meta.loadEnd} at end (shared machine: compare the two columns of one row, not runs).`,
    `Medians of ${reps} interleaved repetitions of ${seconds} s windows; each repetition lists its figures. Command: \`npx tsx bench/tracking/pg-group-commit.ts\`.`,
    '',
    '| Benchmark | Group commit (default) | Same-run baseline: one transaction per write (TRAINYARD_METRIC_GROUP_COMMIT=off) |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.group.value.toLocaleString('en-US')} ${r.unit} (${r.group.reps.join(', ')}); server ${r.group.serverUsPerUnit} ${unitCpu(r)} at ${r.group.serverCpu} cores | ${r.single.value.toLocaleString('en-US')} ${r.unit} (${r.single.reps.join(', ')}); server ${r.single.serverUsPerUnit} ${unitCpu(r)} at ${r.single.serverCpu} cores |`),
    '',
  ].join('\n');
  writeFileSync(join(REPO, 'bench', 'results', 'pg-group-commit.md'), md);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
