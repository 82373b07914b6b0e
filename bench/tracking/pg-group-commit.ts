/**
 * Single log-metric throughput on both stores against same-run baselines (issue 14):
 * `npx tsx bench/tracking/pg-group-commit.ts [--reps N] [--seconds S]` (~2.5 minutes with 3 reps).
 * Three servers on fresh stores, measured in turns (the order rotates each repetition):
 * PostgreSQL with metric group commit (the default), PostgreSQL with
 * TRAINYARD_METRIC_GROUP_COMMIT=off (one transaction per write) and SQLite; log-metric with 8 and
 * 1 clients, log-batch of 1,000 points with 8 clients, and GET /health with 8 and 1 clients as
 * the HTTP floor of the same moment. Reports medians and the server's CPU per request/point,
 * the steadier figure on a shared machine. Writes bench/results/pg-group-commit.{json,md}.
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
  { name: 'GET /health, 8 clients', mode: 'health', clients: 8, unit: 'req/s' },
  { name: 'GET /health, sequential', mode: 'health', clients: 1, unit: 'req/s' },
  { name: 'log-batch (1,000 points), 8 clients', mode: 'batch', clients: 8, unit: 'points/s' },
];
const WHICH = ['group', 'single', 'sqlite'] as const;
type Which = (typeof WHICH)[number];
const TITLES: Record<Which, string> = {
  group: 'PostgreSQL, group commit (default)',
  single: 'PostgreSQL, one transaction per write (TRAINYARD_METRIC_GROUP_COMMIT=off)',
  sqlite: 'SQLite',
};

async function main(): Promise<void> {
  const load0 = loadavg().map((x) => x.toFixed(2)).join(' ');
  const pool = await ClientPool.start(8);
  const dbs = {
    group: await createBenchDatabase('postgres', 'group-on'),
    single: await createBenchDatabase('postgres', 'group-off'),
    sqlite: await createBenchDatabase('sqlite', 'metric-sqlite'),
  };
  const servers = {
    group: await startServer({ home: dbs.group.home, db: dbs.group.url }),
    single: await startServer({ home: dbs.single.home, db: dbs.single.url, env: { TRAINYARD_METRIC_GROUP_COMMIT: 'off' } }),
    sqlite: await startServer({ home: dbs.sqlite.home }),
  };
  const results: Record<string, Record<Which, LoadResult[]>> = {};
  try {
    for (let rep = 0; rep < reps; rep++) {
      const order = WHICH.map((_, i) => WHICH[(i + rep) % WHICH.length]!);
      for (const c of CASES) {
        const r = (results[c.name] ??= { group: [], single: [], sqlite: [] });
        for (const which of order) {
          const s = servers[which];
          r[which].push(await pool.run({ url: s.url, serverPid: s.pid, mode: c.mode, clients: c.clients, warmupMs: 500, durationMs: seconds * 1000 }));
        }
        const last = (w: Which) => (c.unit === 'points/s' ? r[w].at(-1)!.pointsPerSec : r[w].at(-1)!.opsPerSec);
        console.log(`rep ${rep + 1} ${c.name}: ${WHICH.map((w) => `${w} ${last(w)}`).join(' / ')} ${c.unit}`);
      }
    }
  } finally {
    for (const w of WHICH) await servers[w].stop();
    await pool.stop();
    for (const w of WHICH) await dbs[w].drop();
  }
  const rows = CASES.map((c) => {
    const pick = (r: LoadResult) => (c.unit === 'points/s' ? r.pointsPerSec : r.opsPerSec);
    const sum = (w: Which) => {
      const xs = results[c.name]![w];
      const v = median(xs.map(pick));
      const mid = xs.find((x) => pick(x) === v)!;
      return { value: v, reps: xs.map(pick), serverUsPerUnit: mid.serverUsPerUnit, serverCpu: mid.serverCpu };
    };
    return { ...c, group: sum('group'), single: sum('single'), sqlite: sum('sqlite') };
  });
  const meta = { date: new Date().toISOString(), cpus: cpus().length, node: process.version, reps, seconds, loadStart: load0, loadEnd: loadavg().map((x) => x.toFixed(2)).join(' ') };
  writeFileSync(join(REPO, 'bench', 'results', 'pg-group-commit.json'), JSON.stringify({ meta, rows }, null, 2) + '\n');
  const unitCpu = (c: Case) => (c.unit === 'points/s' ? 'µs CPU/point' : 'µs CPU/request');
  const cell = (r: (typeof rows)[number], w: Which) =>
    `${r[w].value.toLocaleString('en-US')} ${r.unit} (${r[w].reps.join(', ')}); server ${r[w].serverUsPerUnit} ${unitCpu(r)} at ${r[w].serverCpu} cores`;
  const ratio = (a: number, b: number) => (b ? (a / b).toFixed(2) : '-');
  const health = (n: 1 | 8) => rows.find((r) => r.mode === 'health' && r.clients === n)!;
  const metric = (n: 1 | 8) => rows.find((r) => r.mode === 'metric' && r.clients === n)!;
  const md = [
    '# Single log-metric throughput, PostgreSQL group commit and SQLite (issue 14)',
    '',
    `Run ${meta.date} on ${meta.cpus} CPUs, Node ${meta.node}; load average ${meta.loadStart} at start, ${meta.loadEnd} at end (shared machine: compare the columns of one row, not runs).`,
    `Medians of ${reps} interleaved repetitions of ${seconds} s windows; each repetition lists its figures. Command: \`npx tsx bench/tracking/pg-group-commit.ts\`.`,
    '',
    `| Benchmark | ${WHICH.map((w) => TITLES[w]).join(' | ')} |`,
    `|---|${WHICH.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.name} | ${WHICH.map((w) => cell(r, w)).join(' | ')} |`),
    `| log-metric / GET /health of the same server, 8 clients | ${WHICH.map((w) => ratio(metric(8)[w].value, health(8)[w].value)).join(' | ')} |`,
    `| log-metric / GET /health of the same server, sequential | ${WHICH.map((w) => ratio(metric(1)[w].value, health(1)[w].value)).join(' | ')} |`,
    '',
  ].join('\n');
  writeFileSync(join(REPO, 'bench', 'results', 'pg-group-commit.md'), md);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
