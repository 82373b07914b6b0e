/**
 * The HTTP side of a single log-metric (issue 14): server CPU per request and throughput of this
 * build against an earlier commit's build, side by side in one run, beside GET /health of the same
 * servers (the HTTP floor of the moment). `npx tsx bench/tracking/http-cost.ts [--base REF]
 * [--reps N] [--seconds S] [--no-postgres] [--no-auth] [--no-build]` (~4 minutes with 3 reps).
 *
 * For each store (SQLite, PostgreSQL) four servers run at once: {base, this build} x {auth off,
 * --auth}. Each repetition measures every case on every server, the order of the builds rotating,
 * so both see the same machine. With --auth the clients send an admin's API token (Bearer) or the
 * admin's password (HTTP Basic), as MLflow's clients do with MLFLOW_TRACKING_TOKEN or
 * MLFLOW_TRACKING_USERNAME/PASSWORD. The base build is the commit's src compiled into
 * bench/.work/base-<sha> (once). CPU per request (from /proc, all the server's threads) is the
 * figure to compare on a loaded machine; req/s moves with the load. Writes
 * bench/results/http-cost.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createBenchDatabase, WORK_DIR, type BenchDatabase, type Dialect } from './databases.js';
import { ClientPool, type LoadResult } from './load.js';
import { REPO, startServer, type ServerProcess } from './server-process.js';

const argv = process.argv.slice(2);
const arg = (n: string, d: string) => (argv.includes(n) ? argv[argv.indexOf(n) + 1]! : d);
const reps = Number(arg('--reps', '3'));
const seconds = Number(arg('--seconds', '2'));
const baseRef = arg('--base', 'f8c204b');
const dialects: Dialect[] = argv.includes('--no-postgres') ? ['sqlite'] : ['sqlite', 'postgres'];
const withAuth = !argv.includes('--no-auth');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

const ADMIN = { user: 'bench-admin', password: 'bench-admin-password' };
const basic = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;

type Auth = 'none' | 'bearer' | 'basic';
interface Case { name: string; mode: 'metric' | 'health'; clients: number; auth: Auth }
const OPEN_CASES: Case[] = [
  { name: 'GET /health, 8 clients', mode: 'health', clients: 8, auth: 'none' },
  { name: 'log-metric, 8 clients', mode: 'metric', clients: 8, auth: 'none' },
  { name: 'GET /health, sequential', mode: 'health', clients: 1, auth: 'none' },
  { name: 'log-metric, sequential', mode: 'metric', clients: 1, auth: 'none' },
];
const AUTH_CASES: Case[] = [
  { name: '--auth, log-metric, 8 clients, Bearer token', mode: 'metric', clients: 8, auth: 'bearer' },
  { name: '--auth, log-metric, 8 clients, Basic password', mode: 'metric', clients: 8, auth: 'basic' },
];
const BUILDS = ['base', 'head'] as const;
type Build = (typeof BUILDS)[number];

/** The base commit's server, compiled once into bench/.work/base-<sha>; its entry script. */
function buildBase(ref: string): { sha: string; entry: string } {
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: REPO, encoding: 'utf8' }).trim();
  const dir = join(WORK_DIR, `base-${sha}`);
  const entry = join(dir, 'dist', 'cli', 'main.js');
  if (!existsSync(entry)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('bash', ['-c', `git archive ${sha} src package.json tsconfig.json tsconfig.build.json | tar -x -C '${dir}'`], { cwd: REPO, stdio: 'inherit' });
    console.log(`building ${sha} into ${dir} ...`);
    execFileSync('npx', ['tsc', '-p', join(dir, 'tsconfig.build.json')], { cwd: REPO, stdio: 'inherit' });
  }
  return { sha, entry };
}

async function tokenOf(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/tokens`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) });
  const body = (await res.json()) as { token?: string };
  if (!body.token) throw new Error(`no token: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

interface Server { proc: ServerProcess; db: BenchDatabase; bearer?: string }

async function main(): Promise<void> {
  const load0 = loadavg().map((x) => x.toFixed(2)).join(' ');
  if (!argv.includes('--no-build')) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'inherit' });
  const base = buildBase(baseRef);
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  const entries: Record<Build, string | undefined> = { base: base.entry, head: undefined };
  const pool = await ClientPool.start(8);
  const servers = new Map<string, Server>();
  const key = (b: Build, d: Dialect, auth: boolean) => `${b}/${d}/${auth ? 'auth' : 'open'}`;
  const results = new Map<string, LoadResult[]>();
  try {
    for (const d of dialects) {
      for (const b of BUILDS) {
        for (const auth of withAuth ? [false, true] : [false]) {
          const db = await createBenchDatabase(d, `http-${b}-${auth ? 'a' : 'o'}`);
          const proc = await startServer({
            home: db.home, db: db.url, ...(entries[b] ? { entry: entries[b] } : {}), ...(auth ? { args: ['--auth'] } : {}),
            env: auth ? { TRAINYARD_ADMIN_USERNAME: ADMIN.user, TRAINYARD_ADMIN_PASSWORD: ADMIN.password } : {},
          });
          const s: Server = { proc, db };
          if (auth) s.bearer = await tokenOf(proc.url);
          servers.set(key(b, d, auth), s);
        }
      }
    }
    const cases = [...OPEN_CASES, ...(withAuth ? AUTH_CASES : [])];
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 ? [...BUILDS].reverse() : [...BUILDS];
      for (const d of dialects) {
        for (const c of cases) {
          const line: string[] = [];
          for (const b of order) {
            const s = servers.get(key(b, d, c.auth !== 'none'))!;
            const authorization = c.auth === 'bearer' ? `Bearer ${s.bearer}` : c.auth === 'basic' ? basic : undefined;
            // Basic at scrypt's cost per request is slow: a longer window keeps its count meaningful.
            const r = await pool.run({ url: s.proc.url, serverPid: s.proc.pid, mode: c.mode, clients: c.clients, warmupMs: 500, durationMs: seconds * 1000, ...(authorization ? { authorization } : {}) });
            const k = `${d}|${c.name}|${b}`;
            results.set(k, [...(results.get(k) ?? []), r]);
            line.push(`${b} ${r.opsPerSec} req/s ${r.serverUsPerUnit} µs`);
          }
          console.log(`rep ${rep + 1} ${d} ${c.name}: ${line.join(' / ')}`);
        }
      }
    }
  } finally {
    for (const s of servers.values()) await s.proc.stop();
    await pool.stop();
    for (const s of servers.values()) await s.db.drop();
  }
  const cases = [...OPEN_CASES, ...(withAuth ? AUTH_CASES : [])];
  const rows = dialects.flatMap((d) =>
    cases.map((c) => {
      const pick = (b: Build) => {
        const xs = results.get(`${d}|${c.name}|${b}`)!;
        return { reqPerSec: median(xs.map((x) => x.opsPerSec)), usPerReq: median(xs.map((x) => x.serverUsPerUnit ?? NaN)), reps: xs.map((x) => `${x.opsPerSec}/${x.serverUsPerUnit}`) };
      };
      return { store: d, case: c.name, base: pick('base'), head: pick('head') };
    }),
  );
  const meta = { date: new Date().toISOString(), cpus: cpus().length, node: process.version, base: base.sha, head, reps, seconds, loadStart: load0, loadEnd: loadavg().map((x) => x.toFixed(2)).join(' ') };
  mkdirSync(join(REPO, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO, 'bench', 'results', 'http-cost.json'), JSON.stringify({ meta, rows }, null, 2) + '\n');
  const md = [
    '# log-metric over HTTP: server CPU per request, this build against an earlier one (issue 14)',
    '',
    `Run ${meta.date} on ${meta.cpus} CPUs, Node ${meta.node}; base ${meta.base}, this build ${meta.head} (plus the working tree); load average ${meta.loadStart} at start, ${meta.loadEnd} at end.`,
    `Medians of ${reps} interleaved repetitions of ${seconds} s windows (each repetition as req/s / µs). Command: \`npx tsx bench/tracking/http-cost.ts --base ${baseRef}\`.`,
    'µs = server CPU (all threads, from /proc) per request: the figure that survives a loaded machine.',
    '',
    '| store | case | base req/s | base µs CPU/req | this build req/s | this build µs CPU/req | CPU this/base | repetitions base ; this |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.store} | ${r.case} | ${r.base.reqPerSec.toLocaleString('en-US')} | ${r.base.usPerReq} | ${r.head.reqPerSec.toLocaleString('en-US')} | ${r.head.usPerReq} | ${(r.head.usPerReq / r.base.usPerReq).toFixed(2)} | ${r.base.reps.join(', ')} ; ${r.head.reps.join(', ')} |`),
    '',
  ].join('\n');
  writeFileSync(join(REPO, 'bench', 'results', 'http-cost.md'), md);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
