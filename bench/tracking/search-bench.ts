/**
 * runs/search at scale (issue 14), one command:
 *   npx tsx bench/tracking/search-bench.ts [--runs 100000,1000000] [--no-postgres] [--samples N] [--no-build]
 * For each store and run count: the cached data set (built by the bulk loader on first use:
 * bench/tracking/prepare-read-data.ts builds one ahead), a server process, and in interleaved
 * rounds GET /health (the HTTP floor of the same moment), MLflow runs/search page 1 and page 10,
 * native projected search page 1 and page 10. Writes bench/results/search.json and search.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pgAdmin, type Dialect } from './databases.js';
import { benchSearches, LATER_PAGE, NATIVE_COLUMNS, SEARCH_QUERY } from './read-bench.js';
import { readDatabase } from './read-data-cache.js';
import { REPO, startServer } from './server-process.js';
import { http, summarize, type Latency } from './stats.js';

const argv = process.argv.slice(2);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const sizes = (value('--runs') ?? '100000,1000000').split(',').map(Number);
const samples = Number(value('--samples') ?? 20);
const started = Date.now();
const log = (s: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${s}\n`);
const CASES = ['health', 'mlflow page 1', `mlflow page ${LATER_PAGE}`, 'native page 1', `native page ${LATER_PAGE}`] as const;

interface CaseResult {
  dialect: Dialect;
  runs: number;
  dataCached: boolean;
  loadSeconds: { runs: number; series: number };
  latency: Record<(typeof CASES)[number], Latency>;
  pageBytes: { mlflow: number; native: number };
}

async function measure(dialect: Dialect, runs: number): Promise<CaseResult> {
  const { db, data, cached } = await readDatabase(dialect, runs, 1_000_000, false, log);
  const server = await startServer({ home: db.home, db: db.url });
  try {
    const { mlflow, native, tokenFor } = benchSearches(server.url, data.experimentId);
    const [mt, nt] = [await tokenFor(mlflow), await tokenFor(native)];
    const calls: Record<(typeof CASES)[number], () => Promise<unknown>> = {
      health: () => http('GET', `${server.url}/health`),
      'mlflow page 1': () => mlflow({}),
      [`mlflow page ${LATER_PAGE}`]: () => mlflow({ page_token: mt }),
      'native page 1': () => native({}),
      [`native page ${LATER_PAGE}`]: () => native({ page_token: nt }),
    } as never;
    const pageBytes = { mlflow: JSON.stringify(await mlflow({})).length, native: JSON.stringify(await native({})).length };
    for (const c of CASES) for (let i = 0; i < 3; i++) await calls[c]();
    const times = Object.fromEntries(CASES.map((c) => [c, [] as number[]])) as Record<(typeof CASES)[number], number[]>;
    // Interleaved: each round takes every case once, so a load spike on the shared machine hits all.
    for (let i = 0; i < samples; i++) {
      for (const c of CASES) {
        const t0 = performance.now();
        await calls[c]();
        times[c].push(performance.now() - t0);
      }
    }
    const latency = Object.fromEntries(CASES.map((c) => [c, summarize(times[c])])) as CaseResult['latency'];
    log(`  ${dialect} ${runs} runs: ${CASES.map((c) => `${c} p50 ${latency[c].p50} ms`).join(', ')}`);
    return { dialect, runs, dataCached: cached, loadSeconds: data.loadSeconds, latency, pageBytes };
  } finally {
    await server.stop();
    await db.drop();
  }
}

async function main(): Promise<void> {
  if (!argv.includes('--no-build')) {
    log('building (tsc -p tsconfig.build.json)');
    spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'inherit' });
  }
  const dialects: Dialect[] = ['sqlite'];
  if (!argv.includes('--no-postgres')) {
    await pgAdmin(async () => undefined);
    dialects.push('postgres');
  }
  const loadStart = loadavg().map((x) => x.toFixed(2)).join(' ');
  const results: CaseResult[] = [];
  for (const runs of sizes) for (const dialect of dialects) results.push(await measure(dialect, runs));
  const meta = { date: new Date().toISOString(), cpus: cpus().length, node: process.version, samples, loadStart, loadEnd: loadavg().map((x) => x.toFixed(2)).join(' '), query: SEARCH_QUERY, nativeColumns: NATIVE_COLUMNS };
  const dir = join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'search.json'), JSON.stringify({ meta, results }, null, 2) + '\n');
  const lines = [
    '# runs/search at scale',
    '',
    `${meta.date}, ${meta.cpus} CPUs, load average ${meta.loadStart} -> ${meta.loadEnd}, ${samples} interleaved rounds. Query: \`${SEARCH_QUERY.filter}\` ordered by \`${SEARCH_QUERY.order_by.join(', ')}\`, ${SEARCH_QUERY.max_results} a page; native search projects ${NATIVE_COLUMNS.join(', ')}.`,
    'Generated by `npx tsx bench/tracking/search-bench.ts`. Read each row against its own GET /health.',
    '',
    '| store | runs | GET /health p50 | MLflow page 1 p50 / p95 | MLflow page 10 p50 | native page 1 p50 / p95 | native page 10 p50 | bulk load (runs) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map((r) => {
      const l = r.latency;
      return `| ${r.dialect} | ${r.runs.toLocaleString('en-US')} | ${l.health.p50} ms | ${l['mlflow page 1'].p50} / ${l['mlflow page 1'].p95} ms | ${l[`mlflow page ${LATER_PAGE}`].p50} ms | ${l['native page 1'].p50} / ${l['native page 1'].p95} ms | ${l[`native page ${LATER_PAGE}`].p50} ms | ${r.loadSeconds.runs.toFixed(0)} s${r.dataCached ? ' (cached)' : ''} |`;
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
