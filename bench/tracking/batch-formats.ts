/**
 * log-batch, 8 clients, 1,000-point batches (10 keys x 100 steps): MLflow JSON against the binary
 * metric batch (docs/metric-batch-binary.md), and the binary format with 10,000-point batches,
 * beside the bare-driver insert of the same rows (8 writers: SQLite's in one thread, PostgreSQL's
 * on 8 connections), all interleaved in every repetition so machine-wide noise hits them alike
 * (issue 14).
 *
 *   npx tsx bench/tracking/batch-formats.ts [--reps 3] [--seconds 4] [--dialects sqlite,postgres]
 *
 * Needs a built server (`npm run build`); PostgreSQL at TRAINYARD_BENCH_PG_URL (default the test
 * server on 127.0.0.1:55432). Prints one markdown table with the medians, server CPU per point and
 * the ratios, plus the load average before and after. bench/tracking/run.ts runs the same
 * measurement (`measureBatchFormats`) for its issue-14 rows.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { postgresBare, sqliteBare } from './bare-insert.js';
import { createBenchDatabase, type Dialect } from './databases.js';
import { ClientPool, type LoadResult } from './load.js';
import { startServer } from './server-process.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');

/** `big`: the binary format with 10,000-point batches (10 keys x 1,000 steps), which JSON cannot send. */
export interface Row { json: LoadResult[]; binary: LoadResult[]; big: LoadResult[]; bare: number[] }

/** The median repetition of each format, and the bare insert's median. */
export interface BatchFormats { dialect: Dialect; json: LoadResult; binary: LoadResult; big: LoadResult; bare: number }

export function medians(dialect: Dialect, r: Row): BatchFormats {
  const pick = (xs: LoadResult[]) => xs.find((x) => x.pointsPerSec === median(xs.map((y) => y.pointsPerSec)))!;
  return { dialect, json: pick(r.json), binary: pick(r.binary), big: pick(r.big), bare: median(r.bare) };
}

/** Every format and the bare insert, interleaved in each of `reps` repetitions of `seconds`. */
export async function measureBatchFormats(dialect: Dialect, pool: ClientPool, reps: number, seconds: number): Promise<BatchFormats> {
  return medians(dialect, await measure(dialect, pool, reps, seconds));
}

async function measure(dialect: Dialect, pool: ClientPool, reps: number, seconds: number): Promise<Row> {
  const db = await createBenchDatabase(dialect, `formats-${dialect}`);
  const bareDb = await createBenchDatabase(dialect, `formats-bare-${dialect}`);
  const server = await startServer({ home: db.home, db: db.url });
  const row: Row = { json: [], binary: [], big: [], bare: [] };
  try {
    const opts = { url: server.url, serverPid: server.pid, warmupMs: 1000, durationMs: seconds * 1000, clients: 8 };
    // The clients build the 10,000-point bodies once, here, outside any measured window.
    await pool.run({ ...opts, mode: 'batch-binary', keys: 10, steps: 1000, warmupMs: 0, durationMs: 200 });
    for (let rep = 0; rep < reps; rep++) {
      // Alternate the order too, so neither format always runs on the warmer database.
      const order = rep % 2 ? (['big', 'binary', 'json'] as const) : (['json', 'binary', 'big'] as const);
      for (const f of order) row[f].push(await pool.run({ ...opts, mode: f === 'json' ? 'batch' : 'batch-binary', ...(f === 'big' ? { keys: 10, steps: 1000 } : {}) }));
      row.bare.push(dialect === 'sqlite' ? sqliteBare(join(bareDb.home, `bare-${rep}.db`), seconds) : await postgresBare(bareDb.location, seconds, 8));
      console.error(`  ${dialect} rep ${rep + 1}: json ${row.json.at(-1)!.pointsPerSec} pts/s (${row.json.at(-1)!.serverUsPerUnit} us/pt), binary ${row.binary.at(-1)!.pointsPerSec} (${row.binary.at(-1)!.serverUsPerUnit} us/pt), binary 10k ${row.big.at(-1)!.pointsPerSec} (${row.big.at(-1)!.serverUsPerUnit} us/pt), bare ${row.bare.at(-1)}; load ${load()}`);
    }
  } finally {
    await server.stop();
    await db.drop();
    await bareDb.drop();
  }
  return row;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { reps: { type: 'string', default: '3' }, seconds: { type: 'string', default: '4' }, dialects: { type: 'string', default: 'sqlite,postgres' } },
  });
  const reps = Number(args.reps);
  const seconds = Number(args.seconds);
  const before = load();
  const pool = await ClientPool.start(8);
  const lines = [
    `| store | JSON pts/s (server µs CPU/pt) | binary pts/s (µs/pt) | binary, 10k-point batches (µs/pt) | bare insert pts/s | binary / JSON | binary / bare | binary 10k / bare |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  try {
    for (const dialect of args.dialects!.split(',') as Dialect[]) {
      const { json: j, binary: b, big: g, bare } = await measureBatchFormats(dialect, pool, reps, seconds);
      const f = (x: LoadResult) => `${x.pointsPerSec.toLocaleString('en')} (${x.serverUsPerUnit})`;
      lines.push(`| ${dialect} | ${f(j)} | ${f(b)} | ${f(g)} | ${bare.toLocaleString('en')} | ${(b.pointsPerSec / j.pointsPerSec).toFixed(2)} | ${(b.pointsPerSec / bare).toFixed(2)} | ${(g.pointsPerSec / bare).toFixed(2)} |`);
    }
  } finally {
    await pool.stop();
  }
  console.log(lines.join('\n'));
  console.log(`\n${reps} interleaved repetitions of ${seconds} s, medians; load average (1/5/15 min) before ${before}, after ${load()}.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
