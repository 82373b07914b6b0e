/**
 * runs/search at scale (issue 14), one command:
 *   npx tsx bench/tracking/search-bench.ts [--runs 100000,1000000] [--no-postgres] [--no-sqlite] [--samples N] [--no-build] [--baseline DIR]
 * For each store and run count: the cached data set (built by the bulk loader on first use:
 * bench/tracking/prepare-read-data.ts builds one ahead), a server process, and in interleaved
 * rounds GET /health (the HTTP floor of the same moment), MLflow runs/search page 1 and page 10,
 * native projected search page 1 and page 10. Writes bench/results/search.json and search.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pgAdmin, type Dialect } from './databases.js';
import { LATER_PAGE, NATIVE_COLUMNS, SEARCH_QUERY } from './read-bench.js';
import { readDatabase } from './read-data-cache.js';
import { KeepAliveClient } from './http-client.js';
import { REPO, startServer, type ServerProcess } from './server-process.js';
import { summarize, type Latency } from './stats.js';

const argv = process.argv.slice(2);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const sizes = (value('--runs') ?? '100000,1000000').split(',').map(Number);
const samples = Number(value('--samples') ?? 20);
// --baseline DIR: a package folder (bin/ + dist/) of an earlier build, measured beside this one.
const baseline = value('--baseline');
const started = Date.now();
const log = (s: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${s}\n`);
const CASES = ['health', 'mlflow page 1', `mlflow page ${LATER_PAGE}`, 'native page 1', `native page ${LATER_PAGE}`] as const;

interface CaseResult {
  dialect: Dialect;
  runs: number;
  build: string;
  /** The server process's CPU per request (user + system, from /proc, averaged over the rounds). */
  cpuMs: Record<(typeof CASES)[number], number>;
  dataCached: boolean;
  loadSeconds: { runs: number; series: number };
  latency: Record<(typeof CASES)[number], Latency>;
  pageBytes: { mlflow: number; native: number };
}

/** Server CPU (user + system) in ms, from /proc: summed over a case's requests it is CPU per request. */
function serverCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

async function measure(dialect: Dialect, runs: number): Promise<CaseResult[]> {
  const { db, data, cached } = await readDatabase(dialect, runs, 1_000_000, false, log);
  // The build under test, and (--baseline DIR) a baseline build beside it on the same data.
  const builds = [{ label: 'this build', root: REPO }, ...(baseline ? [{ label: `baseline ${baseline}`, root: baseline }] : [])];
  const servers = [] as { label: string; server: ServerProcess; client: KeepAliveClient }[];
  try {
    for (const [i, b] of builds.entries()) {
      // Each server its own home (one server per home), the same database.
      const home = i ? `${db.home}-baseline` : db.home;
      mkdirSync(home, { recursive: true });
      const server = await startServer({ home, db: db.url ?? db.location, root: b.root });
      servers.push({ label: b.label, server, client: new KeepAliveClient(server.url) });
    }
    const body = { experiment_ids: [data.experimentId], ...SEARCH_QUERY };
    const results: CaseResult[] = [];
    const calls = new Map<string, Record<(typeof CASES)[number], () => Promise<string>>>();
    for (const { label, client } of servers) {
      // One kept-alive connection per server for every case, health included: the figures are the
      // server's answer time plus one loopback round trip, not a client's connection set-up.
      const post = async (path: string, extra: object) => {
        const res = await client.request('POST', path, JSON.stringify({ ...body, ...extra }));
        if (res.status !== 200) throw new Error(`${path} -> ${res.status}: ${res.body.slice(0, 300)}`);
        return res.body;
      };
      const mlflow = (extra: object) => post('/api/2.0/mlflow/runs/search', extra);
      const native = (extra: object) => post('/api/v1/runs/search', { columns: NATIVE_COLUMNS, ...extra });
      const tokenFor = async (call: (x: object) => Promise<string>) => {
        let token: string | undefined;
        for (let p = 1; p < LATER_PAGE; p++) token = JSON.parse(await call(token ? { page_token: token } : {})).next_page_token;
        if (!token) throw new Error('the search has fewer pages than the benchmark walks');
        return token;
      };
      const [mt, nt] = [await tokenFor(mlflow), await tokenFor(native)];
      calls.set(label, {
        health: async () => (await client.request('GET', '/health')).body,
        'mlflow page 1': () => mlflow({}),
        [`mlflow page ${LATER_PAGE}`]: () => mlflow({ page_token: mt }),
        'native page 1': () => native({}),
        [`native page ${LATER_PAGE}`]: () => native({ page_token: nt }),
      } as never);
    }
    // Every build answers the same pages (parsed: doubles may be spelled differently).
    const pages = await Promise.all(servers.map(async (s) => [await calls.get(s.label)!['mlflow page 1'](), await calls.get(s.label)!['native page 1']()]));
    for (const other of pages.slice(1)) {
      if (JSON.stringify(JSON.parse(other[0]!)) !== JSON.stringify(JSON.parse(pages[0]![0]!)) || JSON.stringify(JSON.parse(other[1]!)) !== JSON.stringify(JSON.parse(pages[0]![1]!))) throw new Error('the builds answer different pages');
    }
    for (const s of servers) for (const c of CASES) for (let i = 0; i < 3; i++) await calls.get(s.label)![c]();
    const times = new Map(servers.map((s) => [s.label, Object.fromEntries(CASES.map((c) => [c, [] as number[]])) as Record<(typeof CASES)[number], number[]>]));
    const cpu = new Map(servers.map((s) => [s.label, Object.fromEntries(CASES.map((c) => [c, 0])) as Record<(typeof CASES)[number], number>]));
    // Interleaved: each round takes every case on every build once (builds in alternating order),
    // so a load spike on the shared machine hits all of them.
    for (let i = 0; i < samples; i++) {
      const order = i % 2 ? [...servers].reverse() : servers;
      for (const c of CASES) {
        for (const s of order) {
          const c0 = serverCpuMs(s.server.pid);
          const t0 = performance.now();
          await calls.get(s.label)![c]();
          times.get(s.label)![c].push(performance.now() - t0);
          cpu.get(s.label)![c] += serverCpuMs(s.server.pid) - c0;
        }
      }
    }
    for (const [i, s] of servers.entries()) {
      const latency = Object.fromEntries(CASES.map((c) => [c, summarize(times.get(s.label)![c])])) as CaseResult['latency'];
      const cpuMs = Object.fromEntries(CASES.map((c) => [c, Math.round((cpu.get(s.label)![c] / samples) * 100) / 100])) as CaseResult['cpuMs'];
      log(`  ${dialect} ${runs} runs, ${s.label}: ${CASES.map((c) => `${c} p50 ${latency[c].p50} ms (server CPU ${cpuMs[c]} ms)`).join(', ')}`);
      results.push({ dialect, runs, build: s.label, dataCached: cached, loadSeconds: data.loadSeconds, latency, cpuMs, pageBytes: { mlflow: pages[i]![0]!.length, native: pages[i]![1]!.length } });
    }
    return results;
  } finally {
    for (const s of servers) {
      s.client.close();
      await s.server.stop();
    }
    await db.drop();
  }
}

async function main(): Promise<void> {
  if (!argv.includes('--no-build')) {
    log('building (tsc -p tsconfig.build.json)');
    spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'inherit' });
  }
  const dialects: Dialect[] = argv.includes('--no-sqlite') ? [] : ['sqlite'];
  if (!argv.includes('--no-postgres')) {
    await pgAdmin(async () => undefined);
    dialects.push('postgres');
  }
  const loadStart = loadavg().map((x) => x.toFixed(2)).join(' ');
  const results: CaseResult[] = [];
  for (const runs of sizes) for (const dialect of dialects) results.push(...(await measure(dialect, runs)));
  const meta = { date: new Date().toISOString(), cpus: cpus().length, node: process.version, samples, loadStart, loadEnd: loadavg().map((x) => x.toFixed(2)).join(' '), query: SEARCH_QUERY, nativeColumns: NATIVE_COLUMNS };
  const dir = join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'search.json'), JSON.stringify({ meta, results }, null, 2) + '\n');
  const lines = [
    '# runs/search at scale',
    '',
    `${meta.date}, ${meta.cpus} CPUs, load average ${meta.loadStart} -> ${meta.loadEnd}, ${samples} interleaved rounds. Query: \`${SEARCH_QUERY.filter}\` ordered by \`${SEARCH_QUERY.order_by.join(', ')}\`, ${SEARCH_QUERY.max_results} a page; native search projects ${NATIVE_COLUMNS.join(', ')}.`,
    `Generated by \`npx tsx bench/tracking/search-bench.ts ${argv.join(' ')}\`. Read each row against its own GET /health. One kept-alive connection per server carries every request, health included (the time is the server's answer plus one loopback round trip; the body is read, not parsed). Server CPU: the server process's user + system time per request, from /proc.`,
    '',
    '| store | runs | build | GET /health p50 | MLflow page 1 p50 / p95 (server CPU) | MLflow page 10 p50 | native page 1 p50 / p95 (server CPU) | native page 10 p50 | bulk load (runs) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map((r) => {
      const l = r.latency;
      return `| ${r.dialect} | ${r.runs.toLocaleString('en-US')} | ${r.build} | ${l.health.p50} ms | ${l['mlflow page 1'].p50} / ${l['mlflow page 1'].p95} ms (${r.cpuMs['mlflow page 1']} ms) | ${l[`mlflow page ${LATER_PAGE}`].p50} ms | ${l['native page 1'].p50} / ${l['native page 1'].p95} ms (${r.cpuMs['native page 1']} ms) | ${l[`native page ${LATER_PAGE}`].p50} ms | ${r.loadSeconds.runs.toFixed(0)} s${r.dataCached ? ' (cached)' : ''} |`;
    }),
    '',
  ];
  writeFileSync(join(dir, 'search.md'), lines.join('\n'));
  log('wrote bench/results/search.json and search.md');
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
