/**
 * Tracking server benchmarks (issue 2; targets of issue 14). `npx tsx bench/tracking/run.ts [--quick]`; see
 * bench/README.md. Writes bench/results/tracking.json and bench/results/tracking.md.
 *
 * Flags: --quick (1 repetition of 2 s windows, 10 samples), --no-postgres, --only ingest|read,
 * --fresh (rebuild the cached read data set), --runs N, --points N, --no-build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { measureBatchFormats, type BatchFormats } from './batch-formats.js';
import { pgAdmin, type Dialect } from './databases.js';
import { ingestBench, type IngestResults } from './ingest-bench.js';
import { ClientPool } from './load.js';
import { readBench, type ReadResults } from './read-bench.js';
import { targetChecks, writeReport } from './report.js';
import { REPO } from './server-process.js';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('--quick');
const only = value('--only');
const reps = quick ? 1 : 3;
const seconds = quick ? 2 : 3;
const samples = quick ? 10 : 30;
const runs = Number(value('--runs') ?? 100_000);
const points = Number(value('--points') ?? 1_000_000);
const started = Date.now();
const log = (s: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s}\n`);

async function main(): Promise<void> {
  if (!flag('--no-build')) {
    log('building (tsc -p tsconfig.build.json)');
    const res = spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, encoding: 'utf8' });
    // Type errors elsewhere in the tree still emit JavaScript; only a missing CLI stops the run.
    if (res.status !== 0) log(`  tsc reported errors (continuing with what it emitted):\n${(res.stdout + res.stderr).split('\n').slice(0, 5).join('\n')}`);
    if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error('dist/cli/main.js is missing: the build failed');
  }
  const dialects: Dialect[] = ['sqlite'];
  if (!flag('--no-postgres')) {
    await pgAdmin(async () => undefined);
    dialects.push('postgres');
  }
  const loadStart = loadavg().map((x) => x.toFixed(2)).join(' ');
  const ingest: IngestResults[] = [];
  const read: ReadResults[] = [];
  const batchFormats: BatchFormats[] = [];
  if (only !== 'read') {
    const pool = await ClientPool.start(8);
    try {
      for (const dialect of dialects) {
        log(`ingest: ${dialect}`);
        ingest.push(await ingestBench({ dialect, pool, reps, seconds, log }));
        // Issue 14's batch formats: MLflow JSON, binary 1,000- and 10,000-point batches and the bare
        // insert, interleaved (bench/tracking/batch-formats.ts; at least 3 repetitions for a median).
        log(`batch formats: ${dialect}`);
        batchFormats.push(await measureBatchFormats(dialect, pool, Math.max(reps, 3), seconds));
      }
    } finally {
      await pool.stop();
    }
  }
  if (only !== 'ingest') {
    for (const dialect of dialects) {
      log(`read: ${dialect}`);
      read.push(await readBench({ dialect, runs, seriesPoints: points, samples, fresh: flag('--fresh'), log }));
    }
  }
  const commit = (() => {
    try {
      const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench/tracking'], { cwd: REPO, encoding: 'utf8' }).trim();
      return dirty ? `${head} + uncommitted changes` : head;
    } catch {
      return 'unknown';
    }
  })();
  const meta = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    commit,
    quick,
    reps,
    seconds,
    samples,
    loadStart,
    loadEnd: loadavg().map((x) => x.toFixed(2)).join(' '),
    durationSeconds: Math.round((Date.now() - started) / 1000),
  };
  const resultsDir = join(REPO, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const report = { meta, ingest, read, batchFormats, targets: targetChecks(ingest, read, batchFormats) };
  writeReport(report, join(resultsDir, 'tracking.json'), join(resultsDir, 'tracking.md'));
  log(`wrote bench/results/tracking.json and tracking.md (${meta.durationSeconds} s)`);
  for (const t of report.targets) log(`  ${t.met ? 'met   ' : 'MISSED'} ${t.target} [${t.store}]: ${t.measured}`);
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
