/**
 * Packed metric chunks A/B (issue 14, migration 018): log-batch in the binary format, 8 clients,
 * 1,000-point (10 keys x 100 steps) and 10,000-point (10 x 1,000) batches, against two servers
 * started side by side on two fresh databases: one with TRAINYARD_METRIC_CHUNK_MIN=off (every
 * point a row: the previous writer) and one with the default (appends packed into chunks). Every
 * repetition runs all four cells, in alternating order, so machine-wide noise hits both alike.
 *
 *   npx tsx bench/tracking/chunk-ab.ts [--reps 3] [--seconds 4] [--dialects sqlite]
 *
 * Needs a built server (`npm run build`). Prints a markdown table of medians with server CPU
 * microseconds per point, the on/off ratios and the load average before and after.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createBenchDatabase, type Dialect } from './databases.js';
import { ClientPool, type LoadResult } from './load.js';
import { startServer } from './server-process.js';

const { values: args } = parseArgs({
  options: { reps: { type: 'string', default: '3' }, seconds: { type: 'string', default: '4' }, dialects: { type: 'string', default: 'sqlite' } },
});
const reps = Number(args.reps);
const seconds = Number(args.seconds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');

type Cell = 'off-1k' | 'on-1k' | 'off-10k' | 'on-10k';
const CELLS: Cell[] = ['off-1k', 'on-1k', 'on-10k', 'off-10k'];

async function measure(dialect: Dialect, pool: ClientPool): Promise<Record<Cell, LoadResult[]>> {
  const dbOff = await createBenchDatabase(dialect, `chunks-off-${dialect}`);
  const dbOn = await createBenchDatabase(dialect, `chunks-on-${dialect}`);
  const off = await startServer({ home: dbOff.home, db: dbOff.url, env: { TRAINYARD_METRIC_CHUNK_MIN: 'off' } });
  const on = await startServer({ home: dbOn.home, db: dbOn.url });
  const out: Record<Cell, LoadResult[]> = { 'off-1k': [], 'on-1k': [], 'off-10k': [], 'on-10k': [] };
  try {
    const base = { warmupMs: 1000, durationMs: seconds * 1000, clients: 8, mode: 'batch-binary' as const, keys: 10 };
    // Bodies of both shapes built once, outside any window.
    await pool.run({ ...base, url: on.url, serverPid: on.pid, steps: 1000, warmupMs: 0, durationMs: 200 });
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 ? [...CELLS].reverse() : CELLS;
      for (const cell of order) {
        const s = cell.startsWith('on') ? on : off;
        out[cell].push(await pool.run({ ...base, url: s.url, serverPid: s.pid, steps: cell.endsWith('10k') ? 1000 : 100 }));
      }
      console.error(`  ${dialect} rep ${rep + 1}: ${CELLS.map((c) => `${c} ${out[c].at(-1)!.pointsPerSec} pts/s (${out[c].at(-1)!.serverUsPerUnit} us/pt)`).join(', ')}; load ${load()}`);
    }
  } finally {
    await on.stop();
    await off.stop();
    await dbOn.drop();
    await dbOff.drop();
  }
  return out;
}

async function main(): Promise<void> {
  const before = load();
  const pool = await ClientPool.start(8);
  const lines = [
    '| store | batch | rows only pts/s (server µs CPU/pt) | chunks pts/s (µs/pt) | chunks / rows, pts/s | chunks / rows, µs/pt |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  try {
    for (const dialect of args.dialects!.split(',') as Dialect[]) {
      const r = await measure(dialect, pool);
      const pick = (xs: LoadResult[]) => xs.find((x) => x.pointsPerSec === median(xs.map((y) => y.pointsPerSec)))!;
      for (const size of ['1k', '10k'] as const) {
        const a = pick(r[`off-${size}`]);
        const b = pick(r[`on-${size}`]);
        const us = (xs: LoadResult[]) => median(xs.map((x) => x.serverUsPerUnit ?? NaN));
        const f = (x: LoadResult, xs: LoadResult[]) => `${x.pointsPerSec.toLocaleString('en')} (${us(xs)})`;
        lines.push(`| ${dialect} | ${size === '1k' ? '1,000' : '10,000'} | ${f(a, r[`off-${size}`])} | ${f(b, r[`on-${size}`])} | ${(b.pointsPerSec / a.pointsPerSec).toFixed(2)} | ${(us(r[`on-${size}`]) / us(r[`off-${size}`])).toFixed(2)} |`);
      }
    }
  } finally {
    await pool.stop();
  }
  console.log(lines.join('\n'));
  console.log(`\n${reps} interleaved repetitions of ${seconds} s, medians (µs/pt: median of the repetitions); load average (1/5/15 min) before ${before}, after ${load()}.`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
