/**
 * @module Write benchmarks against a running server: log-batch of 1,000 points (1 and 8 clients)
 * and single log-metric (1 and 8 clients), each interleaved with its baseline in the same run:
 * the bare-driver insert of the same rows (log-batch), GET /health at the same concurrency
 * (log-metric: the HTTP floor). Reports medians over the repetitions, server CPU per point, and
 * the server's peak RSS.
 */
import { join } from 'node:path';
import { openDatabase } from '../../src/store/index.js';
import { postgresBare, sqliteBare } from './bare-insert.js';
import { checkSummaries } from './check-summaries.js';
import { createBenchDatabase, type Dialect } from './databases.js';
import type { ClientPool, LoadResult } from './load.js';
import { startServer } from './server-process.js';
import { round } from './stats.js';

export interface Throughput {
  /** Median over repetitions. */
  value: number;
  reps: number[];
  serverCpu?: number;
  serverUsPerUnit?: number;
  clientCpu?: number;
}

export interface IngestResults {
  dialect: Dialect;
  logBatch: { clients1: Throughput; clients8: Throughput; bare1: Throughput; bare8: Throughput };
  logMetric: { clients1: Throughput; clients8: Throughput; health1: Throughput; health8: Throughput };
  rss: { idleMb: number; peakMb: number };
  summariesChecked: number;
  summaryProblems: string[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function collect(results: LoadResult[], pick: (r: LoadResult) => number): Throughput {
  const reps = results.map(pick);
  const mid = results[reps.indexOf(median(reps))]!;
  return { value: median(reps), reps, serverCpu: mid.serverCpu, serverUsPerUnit: mid.serverUsPerUnit, clientCpu: mid.clientCpu };
}

export async function ingestBench(opts: { dialect: Dialect; pool: ClientPool; reps: number; seconds: number; log: (s: string) => void }): Promise<IngestResults> {
  const { dialect, pool, log } = opts;
  const db = await createBenchDatabase(dialect, `ingest-${dialect}`);
  const bareDb = await createBenchDatabase(dialect, `bare-${dialect}`);
  const server = await startServer({ home: db.home, db: db.url });
  try {
    const idle = server.memory();
    const load = { url: server.url, serverPid: server.pid, warmupMs: 1000, durationMs: opts.seconds * 1000 };
    const bare1: number[] = [];
    const bare8: number[] = [];
    const batch1: LoadResult[] = [];
    const batch8: LoadResult[] = [];
    let bareRound = 0;
    const bare = async (connections: number) => {
      if (dialect === 'sqlite') return sqliteBare(join(bareDb.home, `bare-${bareRound++}.db`), opts.seconds);
      return postgresBare(bareDb.location, opts.seconds, connections);
    };
    for (let rep = 0; rep < opts.reps; rep++) {
      // Alternate measurement and baseline so machine-wide noise hits both alike.
      bare1.push(await bare(1));
      batch1.push(await pool.run({ ...load, mode: 'batch', clients: 1 }));
      if (dialect === 'postgres') bare8.push(await bare(8));
      batch8.push(await pool.run({ ...load, mode: 'batch', clients: 8 }));
      log(`  ${dialect} log-batch rep ${rep + 1}: 1 client ${batch1.at(-1)!.pointsPerSec} pts/s (bare ${bare1.at(-1)}), 8 clients ${batch8.at(-1)!.pointsPerSec} pts/s, server ${batch8.at(-1)!.serverUsPerUnit} us CPU/pt`);
    }
    const peakAfterBatch = server.memory().peakMb;
    const m1: LoadResult[] = [];
    const m8: LoadResult[] = [];
    const h1: LoadResult[] = [];
    const h8: LoadResult[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      h1.push(await pool.run({ ...load, mode: 'health', clients: 1 }));
      m1.push(await pool.run({ ...load, mode: 'metric', clients: 1 }));
      h8.push(await pool.run({ ...load, mode: 'health', clients: 8 }));
      m8.push(await pool.run({ ...load, mode: 'metric', clients: 8 }));
      log(`  ${dialect} log-metric rep ${rep + 1}: sequential ${m1.at(-1)!.opsPerSec} req/s (health ${h1.at(-1)!.opsPerSec}), 8 clients ${m8.at(-1)!.opsPerSec} req/s (health ${h8.at(-1)!.opsPerSec})`);
    }
    const rss = { idleMb: round(idle.rssMb, 0), peakMb: round(Math.max(peakAfterBatch, server.memory().peakMb), 0) };

    // The fast paths must not drift from the rules: recompute a sample of the series' summaries.
    const store = await openDatabase(db.url ?? db.location, db.home);
    let problems: string[] = [];
    let checked = 0;
    try {
      const ids = (await store.all<{ series_id: number }>('SELECT series_id FROM latest_metrics WHERE count > 0 ORDER BY series_id DESC LIMIT 12')).map((r) => Number(r.series_id));
      checked = ids.length;
      problems = await checkSummaries(store, ids);
    } finally {
      await store.close();
    }
    const bareT = (xs: number[]): Throughput => ({ value: median(xs), reps: xs });
    return {
      dialect,
      logBatch: {
        clients1: collect(batch1, (r) => r.pointsPerSec),
        clients8: collect(batch8, (r) => r.pointsPerSec),
        bare1: bareT(bare1),
        bare8: bareT(dialect === 'postgres' ? bare8 : bare1),
      },
      logMetric: {
        clients1: collect(m1, (r) => r.opsPerSec),
        clients8: collect(m8, (r) => r.opsPerSec),
        health1: collect(h1, (r) => r.opsPerSec),
        health8: collect(h8, (r) => r.opsPerSec),
      },
      rss,
      summariesChecked: checked,
      summaryProblems: problems,
    };
  } finally {
    await server.stop();
    await db.drop();
    await bareDb.drop();
  }
}
